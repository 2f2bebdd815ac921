/**
 * Remembers which path template (`/records/{company_id}`) each request was built from, so the
 * transport can name it in hooks and errors (never the URL, whose query may carry a phone number) and
 * decide whether it may be retried.
 */
import type { Middleware } from 'openapi-fetch';

export function pathTemplates(): {
  middleware: Middleware;
  templateOf: (request: Request) => string | undefined;
} {
  const templates = new WeakMap<Request, string>();
  return {
    middleware: {
      onRequest({ request, schemaPath }) {
        templates.set(request, schemaPath);
      },
    },
    templateOf: (request) => templates.get(request),
  };
}
