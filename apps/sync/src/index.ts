/** The sync as a library, for the end-to-end tests; users, the demo and the benchmarks run its bin. */

export { EXIT, exitCodeFor } from './cli/exit-codes';
export { type CliIo, main } from './cli/main';
export { runSync, type SyncOptions } from './commands/sync';
export type { EntitySummary, SyncSummary } from './engine/summary';
export { ENTITY_NAMES, type EntityName } from './entities/names';
