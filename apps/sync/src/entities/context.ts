import type { YclientsClient } from '@yclients-pg/sdk';
import type { Db, DeleteGuard, EntityState, MergeCounts, PageContent } from '@yclients-pg/sql';
import type { SyncConfig } from '../config';
import type { Logger } from '../log/logger';
import type { Progress } from '../log/progress';

/** Everything one entity's pipeline needs for one company in one run. */
export interface EntityContext {
  yc: YclientsClient;
  db: Db;
  config: SyncConfig;
  companyId: number;
  runId: number;
  /** The company's IANA zone (from GET /company/{id}). */
  timeZone: string;
  /** When this run started: the next change cursor. */
  runStartedAt: Date;
  /** `--full`: rebuild from page 1 regardless of the checkpoint. */
  full: boolean;
  /** How far a refresh may delete: the mass-delete brake and `--confirm-deletes`. */
  guard: DeleteGuard;
  state: EntityState | null;
  log: Logger;
  progress: Progress;
  /** Adds one fetched page (rows as received) and its merge counts to the run summary. */
  counted(rows: number, counts: MergeCounts, page: PageContent): void;
  /** Adds rows a refresh soft-deleted because upstream no longer has them. */
  removed(count: number): void;
  /** A refresh of `scope` would have soft-deleted `unseen` of `live` rows (first ids: `sample`) and was braked. */
  withheld(scope: string, unseen: number, live: number, sample: number[]): void;
}

export type EntityPipeline = (ctx: EntityContext) => Promise<void>;
