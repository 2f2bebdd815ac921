/**
 * Small catalogs (positions, staff, service categories, services, client categories, accounts): one
 * unpaged request, merged and reconciled in one statement. Rows upstream no longer returns are
 * soft-deleted; a run where nothing changed writes no data row.
 */
import { mergeAndFinish } from '../db/merge';
import type { EntityContext, EntityPipeline } from './context';
import type { EntityName } from './names';

function catalog(
  entity: EntityName,
  fetch: (ctx: EntityContext) => Promise<Array<{ id: number }>>,
): EntityPipeline {
  return async (ctx) => {
    ctx.progress.start(entity);
    const rows = await fetch(ctx);
    const last = rows.at(-1);
    const counts = await mergeAndFinish(ctx.db, {
      entity,
      companyId: ctx.companyId,
      runId: ctx.runId,
      rows,
      refreshId: ctx.runId,
      checkpoint: {
        last_id: last?.id ?? null,
        last_ordinal: rows.length,
        page_size: rows.length,
        cursor: null,
      },
    });
    ctx.progress.page(rows.length);
    ctx.counted(rows.length, counts);
  };
}

export const positions = catalog('positions', (ctx) => ctx.yc.positions(ctx.companyId));
export const staff = catalog('staff', (ctx) => ctx.yc.staff(ctx.companyId));
export const serviceCategories = catalog('service_categories', (ctx) =>
  ctx.yc.serviceCategories(ctx.companyId),
);
export const services = catalog('services', (ctx) => ctx.yc.services(ctx.companyId));
export const clientCategories = catalog('client_categories', (ctx) => ctx.yc.clientLabels(ctx.companyId));
export const accounts = catalog('accounts', (ctx) => ctx.yc.accounts(ctx.companyId));
