/**
 * Small catalogs (positions, staff, service categories, services, client categories, accounts): one
 * unpaged request, merged and reconciled in one call. Rows upstream no longer returns are soft-deleted,
 * with the guards of design §9: an answer that would remove every row or more than the brake's share
 * is fetched again before it is believed, and a mass delete waits for `--confirm-deletes`. A run where
 * nothing changed writes no data row.
 */
import type { ListResult } from '@yclients-pg/sdk';
import { mergeAndFinish } from '@yclients-pg/sql';
import type { EntityContext, EntityPipeline } from './context';
import type { EntityName } from './names';
import { report } from './refresh';

function catalog(
  entity: EntityName,
  fetch: (ctx: EntityContext) => Promise<ListResult<{ id: number }>>,
): EntityPipeline {
  return async (ctx) => {
    ctx.progress.start(entity);
    for (let reread = false; ; reread = true) {
      const list = await fetch(ctx);
      const fetched = list.rows.length + list.rejected.length;
      const { counts, outcome } = await mergeAndFinish(ctx.db, {
        entity,
        companyId: ctx.companyId,
        runId: ctx.runId,
        page: list,
        refreshId: ctx.runId,
        checkpoint: {
          last_id: list.rows.at(-1)?.id ?? null,
          last_ordinal: fetched,
          page_size: fetched,
          cursor: null,
        },
        guard: ctx.guard,
        reread,
      });
      ctx.progress.page(fetched);
      ctx.counted(fetched, counts, list);
      report(ctx, entity, outcome);
      // `suspicious` keeps the seen ids: the second answer adds to the first.
      if (outcome.verdict !== 'suspicious' || reread) return;
    }
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
