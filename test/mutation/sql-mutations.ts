/**
 * Mutations of the SQL merge functions (sql/functions/*.sql) for `pnpm mutation:sql`: each one a small,
 * plausible break that the SQL and end-to-end tests must catch (issue 19). The function files are being
 * rewritten as the project goes, so each mutation finds its spot by a small pattern; a mutation whose
 * pattern no longer matches is reported "not applicable" (then its pattern wants updating), never a crash.
 */

export interface SqlMutation {
  /** `<file>/<what>`, stable: the report lists results by it */
  id: string;
  /** the file in sql/functions */
  file: string;
  /** the break, in words */
  what: string;
  /** the mutated text, or null when the pattern does not match */
  apply(text: string): string | null;
}

/** Replaces every match of `pattern` (null when there is none). */
function replace(pattern: RegExp, replacement: string): (text: string) => string | null {
  return (text) => {
    const global = new RegExp(
      pattern.source,
      pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`,
    );
    return global.test(text) ? text.replace(new RegExp(global.source, global.flags), replacement) : null;
  };
}

/** The closing parenthesis of the one opening at `open`. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * The `n`-th (1-based) `is distinct from` guard dropped: ` or true` after the tuple it compares with, so
 * the condition always holds (unchanged rows are rewritten).
 */
function dropDistinct(n: number): (text: string) => string | null {
  return (text) => {
    let at = -1;
    for (let k = 0; k < n; k++) {
      at = text.toLowerCase().indexOf('is distinct from', at + 1);
      if (at < 0) return null;
    }
    const open = text.indexOf('(', at);
    const end = open < 0 ? -1 : closing(text, open);
    if (end < 0 || text.slice(at + 'is distinct from'.length, open).trim() !== '') return null;
    return `${text.slice(0, end + 1)} or true${text.slice(end + 1)}`;
  };
}

/** The insert of CTE `name` made to insert nothing (`limit 0` before its `on conflict`). */
function dropInsert(name: string): (text: string) => string | null {
  return (text) => {
    const m = new RegExp(
      `(\\b${name} as \\(\\s*(?:--[^\\n]*\\n\\s*)*insert into[\\s\\S]*?)(\\n\\s*on conflict)`,
      'i',
    ).exec(text);
    // the match must stay inside the CTE (not reach the `on conflict` of a later one)
    if (!m || /\)\s*,\s*\w+\s+as\s+(materialized\s+)?\(/i.test(m[1]!)) return null;
    return text.replace(m[0], `${m[1]} limit 0${m[2]}`);
  };
}

/** The deletion of the links a merge found upstream no longer lists, skipped. */
function dropLinkDelete(table: string): (text: string) => string | null {
  return replace(
    new RegExp(`perform\\s+yclients_sync\\.delete_by_ctid\\(\\s*'yclients\\.${table}'[^;]*;`),
    '-- (mutated away)',
  );
}

const m = (file: string, id: string, what: string, apply: SqlMutation['apply']): SqlMutation => ({
  id: `${file.replace(/\.sql$/, '')}/${id}`,
  file,
  what,
  apply,
});

const stub = (file: string, cte: string, what: string) =>
  m(file, `no-${cte.replace(/_/g, '-')}`, what, dropInsert(cte));

export const SQL_MUTATIONS: SqlMutation[] = [
  // finish_refresh: the refresh that soft-deletes what upstream no longer returns
  m(
    'finish_refresh.sql',
    'window-upper-inclusive',
    "a window's upper bound `<` made `<=`: a visit at exactly 23:59:00 on the day after a records window (where its read stops) is soft-deleted",
    replace(/t\.%1\$I < \$5/, 't.%1$I <= $5'),
  ),
  m(
    'finish_refresh.sql',
    'window-lower-exclusive',
    "a window's lower bound `>=` made `>`: a row at the window's first instant is never deleted",
    replace(/t\.%1\$I >= \$4/, 't.%1$I > $4'),
  ),
  m(
    'finish_refresh.sql',
    'stubs-in-scope',
    'stubs counted as rows of the refreshed list (unseen, so soft-deleted, and counted by the brake)',
    replace(/v_full := case[^;]*;/, "v_full := '';"),
  ),
  m(
    'finish_refresh.sql',
    'no-brake',
    'the mass-delete brake off: a mass delete goes through unconfirmed',
    replace(/elsif not p_confirmed and/, 'elsif false and'),
  ),
  m(
    'finish_refresh.sql',
    'no-reread',
    'an answer that would remove too much is believed at once (no re-read)',
    replace(/elsif not p_reread and/, 'elsif false and'),
  ),
  // merge_positions / merge_service_categories / merge_accounts / merge_client_categories: catalogs
  m(
    'merge_positions.sql',
    'no-distinct',
    'the unchanged-row guard dropped: every row rewritten',
    dropDistinct(1),
  ),
  m(
    'merge_service_categories.sql',
    'no-distinct',
    'the unchanged-row guard dropped: every row rewritten',
    dropDistinct(1),
  ),
  m(
    'merge_accounts.sql',
    'no-distinct',
    'the unchanged-row guard dropped: every row rewritten',
    dropDistinct(1),
  ),
  m(
    'merge_client_categories.sql',
    'no-distinct',
    'the unchanged-row guard dropped: every row rewritten',
    dropDistinct(1),
  ),
  m(
    'merge_client_categories.sql',
    'deleted-flag-ignored',
    "a label's `deleted` flag no longer sets deleted_at",
    replace(/case when s\.deleted then now\(\) end/, 'null::timestamptz'),
  ),
  // merge_staff
  m(
    'merge_staff.sql',
    'no-distinct',
    'the unchanged-row guard dropped: every row rewritten',
    dropDistinct(1),
  ),
  stub('merge_staff.sql', 'stub_positions', 'no stub for a position a master names but the list lacks'),
  m(
    'merge_staff.sql',
    'deleted-flag-ignored',
    "a master's `deleted` flag no longer sets deleted_at",
    replace(/case when s\.deleted then now\(\) end/, 'null::timestamptz'),
  ),
  // merge_services
  m(
    'merge_services.sql',
    'no-distinct',
    'the unchanged-service guard dropped: every service rewritten',
    dropDistinct(1),
  ),
  m(
    'merge_services.sql',
    'no-distinct-links',
    'the unchanged-link guard dropped: service_staff rows of changed services rewritten',
    dropDistinct(2),
  ),
  stub('merge_services.sql', 'stub_categories', 'no stub for a service category the list lacks'),
  stub('merge_services.sql', 'stub_staff', 'no stub for a master a service names but the list lacks'),
  m(
    'merge_services.sql',
    'no-link-delete',
    'service_staff links upstream no longer lists are kept',
    dropLinkDelete('service_staff'),
  ),
  // merge_clients
  m(
    'merge_clients.sql',
    'no-distinct',
    'the unchanged-client guard dropped: every client rewritten',
    dropDistinct(1),
  ),
  stub('merge_clients.sql', 'stub_categories', 'no stub for a label a client carries but the list lacks'),
  m(
    'merge_clients.sql',
    'no-link-delete',
    'client_category_links upstream no longer lists are kept',
    dropLinkDelete('client_category_links'),
  ),
  // merge_records
  m(
    'merge_records.sql',
    'comment-kept',
    'an update keeps the old comment',
    replace(/comment = excluded\.comment/, 'comment = t.comment'),
  ),
  m(
    'merge_records.sql',
    'staff-stub-bare-id',
    "a master's stub built from the bare id, not from the object the record embeds",
    replace(/coalesce\(m\.o, jsonb_build_object\('id', m\.id\)\)/, "jsonb_build_object('id', m.id)"),
  ),
  m(
    'merge_records.sql',
    'staff-stub-prefers-bare-id',
    "a master's stub taken from a record without the embedded object when another has it",
    replace(/order by m\.id, \(m\.o is null\)/, 'order by m.id, (m.o is not null)'),
  ),
  m(
    'merge_records.sql',
    'client-stub-bare-id',
    "a client's stub built from the bare id, not from the object the record embeds",
    replace(
      /coalesce\(s\.client, jsonb_build_object\('id', s\.client_id\)\)/,
      "jsonb_build_object('id', s.client_id)",
    ),
  ),
  m(
    'merge_records.sql',
    'deleted-flag-ignored',
    "a record's `deleted` flag no longer sets deleted_at",
    replace(/case when s\.deleted then now\(\) end/, 'null::timestamptz'),
  ),
  m(
    'merge_records.sql',
    'undelete-ignored',
    'a record soft-deleted earlier stays deleted when upstream lists it live again',
    replace(
      /deleted_at = case when excluded\.deleted_at is null then null else coalesce\(t\.deleted_at, excluded\.deleted_at\) end/,
      'deleted_at = coalesce(t.deleted_at, excluded.deleted_at)',
    ),
  ),
  m(
    'merge_records.sql',
    'no-distinct',
    'the unchanged-record guard dropped: every record rewritten',
    dropDistinct(1),
  ),
  m(
    'merge_records.sql',
    'no-distinct-lines',
    'the unchanged-line guard dropped: record_services of changed records rewritten',
    dropDistinct(2),
  ),
  stub('merge_records.sql', 'stub_positions', "no stub for the position of a master's stub"),
  stub('merge_records.sql', 'stub_staff', 'no stub for a master a record names but the list lacks'),
  stub('merge_records.sql', 'stub_clients', 'no stub for a client a record names but the list lacks'),
  stub('merge_records.sql', 'stub_services', 'no stub for a service a record names but the list lacks'),
  m(
    'merge_records.sql',
    'no-line-delete',
    "record_services lines past the end of upstream's list are kept",
    dropLinkDelete('record_services'),
  ),
  // merge_transactions
  m(
    'merge_transactions.sql',
    'no-distinct-expenses',
    'the unchanged-expense-category guard dropped: expense categories rewritten on every page',
    dropDistinct(1),
  ),
  m(
    'merge_transactions.sql',
    'no-distinct',
    'the unchanged-transaction guard dropped: every transaction rewritten',
    dropDistinct(2),
  ),
  stub(
    'merge_transactions.sql',
    'expense_categories',
    'expense categories not derived from the transactions',
  ),
  stub(
    'merge_transactions.sql',
    'stub_accounts',
    'no stub for an account a transaction names but the list lacks',
  ),
  stub('merge_transactions.sql', 'stub_clients', 'no stub for a client only a transaction names'),
  stub('merge_transactions.sql', 'stub_staff', 'no stub for a master only a transaction names'),
  stub(
    'merge_transactions.sql',
    'stub_records',
    'no stub for a record a transaction names but the sync lacks',
  ),
];
