/**
 * The server that tests, the schema dump and the benchmarks make their scratch databases on: a URL
 * from the environment if given, else the PostgreSQL on 127.0.0.1:5432 if it answers, else the
 * embedded one. One rule, so the three never disagree about where they run.
 */
import { type EmbeddedOptions, startEmbeddedPostgres } from './embedded';
import { answers } from './server';

export const LOCAL_TEST_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface ScratchServer {
  /** Admin connection string; scratch databases are created from it. */
  url: string;
  source: 'env' | 'local' | 'embedded';
  stop(): Promise<void>;
}

export async function resolveScratchServer(
  fromEnv: string | undefined,
  options: EmbeddedOptions & { localUrl?: string; probeTimeoutMs?: number } = {},
): Promise<ScratchServer> {
  const { localUrl = LOCAL_TEST_URL, probeTimeoutMs = 1500, ...embeddedOptions } = options;
  const url = fromEnv?.trim();
  if (url) return { url, source: 'env', stop: async () => {} };
  if (await answers(localUrl, probeTimeoutMs))
    return { url: localUrl, source: 'local', stop: async () => {} };
  const embedded = await startEmbeddedPostgres(embeddedOptions);
  return { url: embedded.url, source: 'embedded', stop: () => embedded.stop() };
}
