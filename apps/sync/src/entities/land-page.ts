import { mergePage } from '../db/merge';
import type { Checkpoint } from '../db/state';
import type { EntityContext } from './context';
import type { EntityName } from './names';

/** One fetched page into the database (one round trip, checkpoint included) and into the run summary. */
export async function landPage(
  ctx: EntityContext,
  entity: EntityName,
  rows: readonly { id: number }[],
  options: { checkpoint?: Checkpoint; refreshId?: number } = {},
): Promise<void> {
  const counts = await mergePage(ctx.db, {
    entity,
    companyId: ctx.companyId,
    runId: ctx.runId,
    rows,
    ...options,
  });
  ctx.progress.page(rows.length);
  ctx.counted(rows.length, counts);
}
