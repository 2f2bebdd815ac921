import { type HttpHandler, HttpResponse, http } from 'msw';
import { answerRequest } from './fetch';
import type { Simulator } from './simulator';

/** msw handlers answering every request to `origin` (e.g. `https://api.yclients.com`) from the simulator. */
export function mswHandlers(sim: Simulator, origin: string): HttpHandler[] {
  return [
    http.all(`${origin}/*`, async ({ request }) => {
      try {
        return await answerRequest(sim, request);
      } catch (error) {
        // a dropped connection: msw's way to make fetch reject with a network error
        if (error instanceof TypeError) return HttpResponse.error();
        throw error;
      }
    }),
  ];
}
