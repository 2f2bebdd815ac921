/** Picks the PostgreSQL all database tests run against, once per `vitest run`. */
import { resolveScratchServer } from '@yclients-pg/sql';
import type { TestProject } from 'vitest/node';

export default async function setup(project: TestProject) {
  const server = await resolveScratchServer(process.env.TEST_DATABASE_URL);
  project.provide('adminDatabaseUrl', server.url);
  return () => server.stop();
}
