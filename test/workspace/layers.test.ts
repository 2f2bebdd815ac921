/**
 * One-way layers (issue 17), checked on the workspace's files: the sync ships neither the simulator nor
 * msw (only the demo, the tests and the benchmarks use them), no workspace package depends on one that
 * depends back on it, nor imports another's files by a relative path (a dependency, maybe a cycle, that
 * no manifest shows), and every comment that cites a document cites one in the repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const manifest = (dir: string) => JSON.parse(read(`${dir}/package.json`)) as Manifest;

/** The workspace's packages, from pnpm-workspace.yaml's globs (`dir/*` or `dir`). */
function workspacePackages(): Array<{ dir: string; manifest: Manifest }> {
  const globs = [...read('pnpm-workspace.yaml').matchAll(/^\s+- '([^']+)'/gm)].map((m) => m[1]!);
  const dirs = globs.flatMap((glob) =>
    glob.endsWith('/*')
      ? readdirSync(path.join(ROOT, glob.slice(0, -2))).map((name) => `${glob.slice(0, -2)}/${name}`)
      : [glob],
  );
  return dirs
    .filter((dir) => existsSync(path.join(ROOT, dir, 'package.json')))
    .map((dir) => ({ dir, manifest: manifest(dir) }));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const file = `${dir}/${name}`;
    if (name === 'node_modules' || name === 'dist') return [];
    return statSync(path.join(ROOT, file)).isDirectory() ? sourceFiles(file) : [file];
  });
}

describe('the sync package', () => {
  it('has neither the simulator nor msw among its runtime dependencies', () => {
    const runtime = Object.keys(manifest('apps/sync').dependencies ?? {});
    expect(runtime).not.toContain('@yclients-pg/yclients-fake');
    expect(runtime).not.toContain('msw');
  });

  it('imports neither from its sources', () => {
    const offenders = sourceFiles('apps/sync/src').filter((file) =>
      /from '(@yclients-pg\/yclients-fake|msw)[/']|import\('(@yclients-pg\/yclients-fake|msw)[/']/.test(
        read(file),
      ),
    );
    expect(offenders).toEqual([]);
  });
});

describe('the demo', () => {
  it('runs the sync through the bin its package has installed, as a user would', () => {
    expect(read('apps/demo/src/demo.ts')).not.toMatch(/from '@yclients-pg\/sync'/);
    expect(existsSync(path.join(ROOT, 'apps/demo/node_modules/.bin/yclients-sync'))).toBe(true);
  });
});

describe('the workspace', () => {
  it('has no dependency cycle between its packages', () => {
    const packages = workspacePackages();
    const names = new Set(packages.map((p) => p.manifest.name));
    const edges = new Map(
      packages.map((p) => [
        p.manifest.name,
        Object.keys({ ...p.manifest.dependencies, ...p.manifest.devDependencies }).filter((d) =>
          names.has(d),
        ),
      ]),
    );
    const cycles: string[] = [];
    const visit = (name: string, trail: string[]) => {
      if (trail.includes(name)) {
        cycles.push([...trail.slice(trail.indexOf(name)), name].join(' → '));
        return;
      }
      for (const next of edges.get(name) ?? []) visit(next, [...trail, name]);
    };
    for (const name of names) visit(name, []);
    expect(cycles).toEqual([]);
  });

  it('has no relative import from one package into another (a dependency its manifest does not show)', () => {
    const packages = workspacePackages().map((p) => ({ ...p, root: path.join(ROOT, p.dir) }));
    const owner = (file: string) =>
      packages
        .filter((p) => file === p.root || file.startsWith(`${p.root}${path.sep}`))
        .sort((a, b) => b.root.length - a.root.length)[0];
    const specifier = /(?:\bfrom|\bimport|\brequire)\s*\(?\s*['"](\.{1,2}\/[^'"]*)['"]/g;
    const offenders: string[] = [];
    for (const { dir, manifest: m } of packages) {
      for (const file of sourceFiles(dir).filter((f) => /\.[cm]?[jt]sx?$/.test(f))) {
        for (const [, relative] of read(file).matchAll(specifier)) {
          const target = owner(path.resolve(path.join(ROOT, path.dirname(file)), relative!));
          if (target && target.manifest.name !== m.name)
            offenders.push(`${file} imports ${relative} (${target.manifest.name})`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('comments that cite a document', () => {
  it('cite one in the repository', () => {
    const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((f) => /\.(ts|mjs|js|sql|ya?ml)$/.test(f) && !f.startsWith('test/workspace/'));
    // the research notes and surveys that live outside the repository
    const outside = /shared\/docs|\bpeers\.md|\btoolchain\.md|\bhouse-style\.md|real-samples/;
    expect(tracked.filter((file) => existsSync(path.join(ROOT, file)) && outside.test(read(file)))).toEqual(
      [],
    );
    const cited = new Set<string>();
    for (const file of tracked) {
      if (!existsSync(path.join(ROOT, file))) continue;
      for (const m of read(file).matchAll(/\b(?:docs\/)?([a-z-]+)\.md\b/g)) {
        if (['design', 'yclients-api', 'yclients-open-questions', 'architecture', 'mutation'].includes(m[1]!))
          cited.add(`docs/${m[1]}.md`);
      }
    }
    expect([...cited].filter((doc) => !existsSync(path.join(ROOT, doc)))).toEqual([]);
  });
});
