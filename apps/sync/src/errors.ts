/**
 * The sync's typed errors. Exactly one place (`cli/exit-codes.ts`) turns them into exit codes; every
 * other module throws or returns them. Messages say what was detected and what to do next, and never
 * carry a secret.
 */
export type ConfigProblem = { variable: string; message: string };

/** Bad configuration or usage: exit 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: ConfigProblem[]) {
    super(
      problems.length === 1
        ? `${problems[0]!.variable}: ${problems[0]!.message}`
        : `configuration has ${problems.length} problems:\n${problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n')}`,
    );
  }
}

/** A command-line mistake: exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Another sync holds a company's lock; nothing was done: exit 3. */
export class LockHeldError extends Error {
  override readonly name = 'LockHeldError';
  constructor(readonly companyIds: number[]) {
    super(
      `another sync is running for compan${companyIds.length === 1 ? 'y' : 'ies'} ${companyIds.join(', ')}; ` +
        'nothing was done (see `pnpm sync status`)',
    );
  }
}

/** YClients refused the credentials or the licence for every company: exit 4. */
export class CredentialsRefusedError extends Error {
  override readonly name = 'CredentialsRefusedError';
}

/** Some entities or companies synced, others failed after retries: exit 5. */
export class PartialSyncError extends Error {
  override readonly name = 'PartialSyncError';
  constructor(readonly failures: Array<{ companyId: number; entity: string; error: string }>) {
    super(
      `${failures.length} entit${failures.length === 1 ? 'y' : 'ies'} failed: ` +
        failures.map((f) => `${f.entity}@${f.companyId} (${f.error})`).join('; '),
    );
  }
}

/** The database could not be reached (well-formed URL, no answer): exit 6. */
export class DatabaseUnreachableError extends Error {
  override readonly name = 'DatabaseUnreachableError';
}

/**
 * A refresh could not prove its read complete (pages kept moving, a total that changed, a seen set lost
 * twice): nothing was deleted and the entity fails (exit 5, retried by the state machine).
 */
export class IncompleteReadError extends Error {
  override readonly name = 'IncompleteReadError';
}

/**
 * One or more refreshes of an entity would have soft-deleted more rows than the brake allows (design
 * §9): nothing of that was deleted, everything else was merged, and the entity ends partial (exit 5)
 * until the user confirms with `--confirm-deletes`.
 */
export class DeletesWithheldError extends Error {
  override readonly name = 'DeletesWithheldError';
  constructor(readonly scopes: Array<{ scope: string; unseen: number; live: number }>) {
    super(
      `deletes withheld: ${scopes.map((s) => `${s.scope} would remove ${s.unseen} of ${s.live} live rows`).join('; ')}. ` +
        'If upstream really deleted them, run again with --confirm-deletes',
    );
  }
}

/** An error's own text, whatever was thrown (the CLI's messageOf groups a partial run's failures). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
