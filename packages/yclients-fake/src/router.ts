import type { Route } from './routes/context';

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

interface Compiled {
  route: Route;
  regex: RegExp;
  names: string[];
}

/** Matches paths (below `/api/v1`) against route templates; a trailing slash is accepted, as upstream. */
export class Router {
  private readonly compiled: Compiled[];

  constructor(routes: Route[]) {
    this.compiled = routes.map((route) => {
      const names: string[] = [];
      const source = route.template.replace(/\{(\w+)\}/g, (_, name: string) => {
        names.push(name);
        return route.words?.includes(name) ? '([^/]+)' : '(\\d+)';
      });
      return { route, names, regex: new RegExp(`^${source}/?$`) };
    });
  }

  match(method: string, path: string): RouteMatch | undefined {
    for (const c of this.compiled) {
      if (c.route.method !== method) continue;
      const m = c.regex.exec(path);
      if (m)
        return {
          route: c.route,
          params: Object.fromEntries(c.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])),
        };
    }
    return undefined;
  }

  /** The template of any route with that path, whatever the method (for 405-less logging). */
  templateOf(path: string): string | undefined {
    return this.compiled.find((c) => c.regex.test(path))?.route.template;
  }
}
