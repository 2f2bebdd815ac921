export const HELP = `pnpm sync — copy YClients data into PostgreSQL

Usage (\`yclients-sync\`, in node_modules/.bin, is the same command for cron and systemd):
  pnpm sync [options]          sync every entity of every configured company
  pnpm sync status             last runs, per-entity checkpoints and lag, whether a run is going on
  pnpm sync migrate            apply pending database migrations and exit
  pnpm sync db [--port N]      keep the embedded PostgreSQL up and print how psql and BI tools connect
  pnpm sync login              get a user token once with YCLIENTS_LOGIN and YCLIENTS_PASSWORD, asking
                               for the two-factor code on the terminal; prints YCLIENTS_USER_TOKEN=…
  pnpm sync --help             this text

Options:
  --only <list>      entities to sync, comma-separated: staff, services, clients, records,
                     transactions (the specification's names), or the fine-grained positions, staff,
                     service_categories, services, client_categories, clients, accounts, records,
                     transactions
  --full             rebuild from page 1 regardless of checkpoints (live tables stay readable; rows
                     upstream no longer has are soft-deleted at the end)
  --dry-run          fetch and merge inside a transaction that is rolled back; print what would change
  --confirm-deletes  make the soft-deletes the mass-delete brake withheld (a refresh that would remove
                     more than YCLIENTS_DELETE_BRAKE_ROWS and YCLIENTS_DELETE_BRAKE_PERCENT of the live
                     rows of its scope deletes nothing without it); also tries entities waiting after
                     a failure at once
  --company <ids>    only these company ids (comma-separated; must be configured)
  --json             JSON log lines even on a terminal (the default when output is not a terminal)
  --verbose          also log every request and page

Configuration (environment, or a .env file in the working directory; the environment wins):
  DATABASE_URL                 target PostgreSQL; unset = the embedded PostgreSQL in ./.data/pg
  YCLIENTS_PARTNER_TOKEN       partner (Bearer) token                                    required
  YCLIENTS_USER_TOKEN          user token, or YCLIENTS_LOGIN + YCLIENTS_PASSWORD to obtain one
  YCLIENTS_COMPANY_IDS         company (salon) ids, comma-separated                      required
  YCLIENTS_BASE_URL            default https://api.yclients.com/api/v1
  YCLIENTS_RPS, YCLIENTS_RPM   request budget, default 5 per second and 200 per minute
  YCLIENTS_HTTP_TIMEOUT_MS     per-request timeout, default 30000
  YCLIENTS_TRANSACTIONS_LOOKBACK_DAYS   transactions re-read window, default 30
  YCLIENTS_CHANGED_AFTER_OVERLAP_MINUTES  change-cursor overlap, default 60 (minimum 60)
  YCLIENTS_DELETE_BRAKE_ROWS, YCLIENTS_DELETE_BRAKE_PERCENT  the mass-delete brake, default 20 rows
                               and 10 %: a refresh deletes nothing when it would remove more than both
  YCLIENTS_MAX_RESPONSE_MB     largest API answer read, default 16; a bigger one is refused and retried

Exit codes:
  0 success   1 unexpected bug   2 bad configuration or usage   3 another sync holds the lock
  4 YClients refused credentials or licence   5 partial: some entities failed (see the log)
  6 database unreachable
`;
