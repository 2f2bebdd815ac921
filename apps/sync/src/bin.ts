/**
 * `yclients-sync` / `pnpm sync`: wires the process to the CLI.
 *
 * - The exit code is the CLI's, on every path: the embedded PostgreSQL this process started is stopped
 *   here before leaving, and nothing else decides the code.
 * - A signal marks the run `abandoned`, stops that server too (the page in flight lands whole or not at
 *   all) and exits 128 + the signal's number, with one line saying what happened.
 * - Off a terminal, stdout and stderr carry only JSON lines: Node's warnings and an error nothing caught
 *   become log lines too (redacted like every other line).
 */
import { abandonOwnRuns, embeddedServerUrl, stopEmbeddedServers } from '@yclients-pg/sql';
import { main } from './cli/main';
import { loadEnv, secretsOf } from './config';
import { makeRedactor } from './log/redact';

const argv = process.argv.slice(2);
const json = !process.stderr.isTTY || argv.includes('--json');
const cwd = process.env.INIT_CWD ?? process.cwd();
const env = loadEnv(process.env, cwd);
const redact = makeRedactor(
  secretsOf({
    partnerToken: env.YCLIENTS_PARTNER_TOKEN,
    userToken: env.YCLIENTS_USER_TOKEN,
    password: env.YCLIENTS_PASSWORD,
    databaseUrl: env.DATABASE_URL,
  }),
);

function line(level: 'warn' | 'error', event: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(
    `${redact(
      json
        ? JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })
        : `${level === 'error' ? 'ERROR ' : ''}${event}${fields.stack ? `\n${fields.stack}` : ''}`,
    )}\n`,
  );
}

/**
 * The run this process has going, marked `abandoned` with the signal as its error, so `status` tells the
 * truth at once (the next run would mark it anyway). Best effort, a second at most: the database may be
 * what is going away.
 */
async function markInterrupted(signal: string): Promise<void> {
  const url = env.DATABASE_URL?.trim() || embeddedServerUrl();
  if (!url) return;
  const mark = abandonOwnRuns(url, `interrupted by ${signal}`);
  await Promise.race([mark.catch(() => {}), new Promise((r) => setTimeout(r, 1500).unref())]);
}

/** One line typed on the terminal. */
async function ask(question: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await terminal.question(question);
  } finally {
    terminal.close();
  }
}

function leave(code: number): void {
  setTimeout(() => process.exit(code), 5000).unref();
  void stopEmbeddedServers().finally(() => process.exit(code));
}

// `db` serves until Ctrl-C and stops on it by itself (exit 0); every other command is interrupted.
const serves = argv.includes('db');
let stopping = false;
const SIGNALS: Record<string, number> = serves ? {} : { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
for (const [signal, code] of Object.entries(SIGNALS)) {
  process.once(signal, () => {
    // From here on the run's own lines would only tell of its being cut short: the line below says it.
    stopping = true;
    setTimeout(() => process.exit(code), 5000).unref();
    void markInterrupted(signal)
      .then(() => stopEmbeddedServers())
      .finally(() => {
        if (!json) process.stderr.write('\n');
        line(
          'warn',
          `stopped by ${signal}: nothing is half-written (the page in flight landed whole or not at all); ` +
            'the run is marked abandoned and the next run resumes from the last committed page',
          { exitCode: code },
        );
        process.exit(code);
      });
  });
}

// Node prints its warnings as plain text; here they are log lines like the others.
process.removeAllListeners('warning');
process.on('warning', (warning) => line('warn', `node: ${warning.name}: ${warning.message}`));

for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    line('error', `unexpected error (a bug; please report it with this output): ${String(error)}`, {
      exitCode: 1,
      stack: error instanceof Error ? error.stack : undefined,
    });
    leave(1);
  });
}

const code = await main(argv, {
  env: process.env,
  cwd,
  stdout: (text) => stopping || process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  stderr: (text) => stopping || process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  isTTY: Boolean(process.stderr.isTTY),
  // `login` asks for the two-factor code on the terminal only
  ...(process.stdin.isTTY ? { prompt: ask } : {}),
});
process.exitCode = code;
await stopEmbeddedServers();
// Leave even if a socket lingers (a pool connection closing): the exit code is already decided.
setTimeout(() => process.exit(code), 1000).unref();
