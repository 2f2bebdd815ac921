/**
 * The end of a refresh (a read of a whole scope), with the guards of design §9 "Distrust of upstream":
 * finish_refresh soft-deletes only what a complete read did not return, asks for a re-read when the
 * answer looks wrong, and withholds a mass delete the user has not confirmed. The checkpoint that
 * closes the refresh is written in the same transaction as its deletes.
 */

import {
  type Db,
  finishRefresh,
  type LocalWindow,
  type RefreshOutcome,
  type RefreshVerdict,
} from '@yclients-pg/sql';
import type { EntityContext } from './context';
import type { EntityName } from './names';

/** The verdicts that close a refresh. */
export type FinalVerdict = 'deleted' | 'unproven' | 'pending' | 'withheld';

// 'pending' is final too: finish_refresh has forgotten the refresh's seen ids, so a checkpoint left open
// would make the next run resume the read past its first page with an empty seen set, and judge every
// live row of the scope unseen (a list with no total, transactions, cannot tell; the chaos runs found a
// live transaction soft-deleted this way, seed 11, test/chaos/RESULTS.md)
const isFinal = (v: RefreshVerdict): v is FinalVerdict =>
  v === 'deleted' || v === 'unproven' || v === 'pending' || v === 'withheld';

export interface RefreshEnd {
  entity: EntityName;
  refreshId: number;
  /** Names the scope in logs and in the withheld report, e.g. `records 2024-01-01..2024-01-31`. */
  scope: string;
  window?: LocalWindow;
  /** True once the scope has been read again because an earlier end was `suspicious`. */
  reread: boolean;
  /** Rows of the read rejected without an id (quarantined): while there are any, nothing is deleted. */
  unidentified: number;
  /** A list with no total to prove it complete (transactions): any row it lost is suspicious. */
  suspectAny?: boolean;
  /** Writes the checkpoint that closes the refresh; called in the finishing transaction. */
  close(tx: Db, verdict: FinalVerdict): Promise<void>;
}

/**
 * Ends a refresh and reports the verdict: `deleted`, `unproven`, `pending` and `withheld` are final (the
 * refresh is closed, withheld deletes are reported through `ctx.withheld`); `suspicious` and `seen_lost` mean the caller
 * must read the scope again (after `seen_lost`, from scratch: see forgetRefresh).
 */
export async function endRefresh(ctx: EntityContext, end: RefreshEnd): Promise<RefreshOutcome> {
  const outcome = await ctx.db.tx(async (tx) => {
    const result = await finishRefresh(tx, {
      entity: end.entity,
      companyId: ctx.companyId,
      refreshId: end.refreshId,
      ...(end.window ? { window: end.window } : {}),
      guard: ctx.guard,
      reread: end.reread,
      unidentified: end.unidentified,
      ...(end.suspectAny ? { suspectAny: true } : {}),
    });
    if (isFinal(result.verdict)) await end.close(tx, result.verdict);
    return result;
  });
  report(ctx, end.scope, outcome);
  return outcome;
}

/** What a verdict means, in the log and the run summary. */
export function report(ctx: EntityContext, scope: string, outcome: RefreshOutcome): void {
  const { verdict, unseen, live } = outcome;
  if (verdict === 'deleted') {
    ctx.removed(outcome.deleted);
  } else if (verdict === 'withheld') {
    ctx.withheld(scope, unseen, live, outcome.sample);
  } else if (verdict === 'pending') {
    ctx.log.warn(
      `${scope}: upstream no longer returns ${unseen} of ${live} live rows, twice in this run; they are soft-deleted when the next run sees the same`,
      { unseen, live, pending: outcome.sample },
    );
  } else if (verdict === 'unproven') {
    ctx.log.warn(
      `${scope}: upstream did not return ${unseen} stored rows, but sent rows without a usable id (quarantined) that may be them; nothing was deleted`,
      { unseen, live },
    );
  } else if (verdict === 'suspicious') {
    ctx.log.warn(
      `${scope}: the answer would remove ${unseen} of ${live} live rows; reading it again before believing it`,
      {
        unseen,
        live,
      },
    );
  } else {
    ctx.log.warn(
      `${scope}: the ids seen before the interruption were lost (a database crash or failover?); reading the scope again instead of deleting`,
    );
  }
}
