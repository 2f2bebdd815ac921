/**
 * The command line: parses arguments, reads the configuration once, runs a command, prints the result,
 * and turns any error into an exit code (cli/exit-codes.ts). Nothing below this layer prints or exits.
 */
import { parseArgs } from 'node:util';
import { loadEnv, readConfig, secretsOf } from '../config';
import { ENTITY_GROUPS, type EntityName, isEntityName } from '../entities/names';
import { PartialSyncError, UsageError } from '../errors';
import { createLogger, type Logger } from '../log/logger';
import { logProgress, type Progress, silentProgress, ttyProgress } from '../log/progress';
import { makeRedactor } from '../log/redact';
import { EXIT, exitCodeFor, isExpected } from './exit-codes';
import { HELP } from './help';

export interface CliIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
  fetch?: typeof fetch;
  /** Asks the user one question on the terminal (`login`); absent off a terminal. */
  prompt?: (question: string) => Promise<string>;
}

export function parseOnly(value: string | undefined): EntityName[] | undefined {
  if (!value) return undefined;
  const picked = new Set<EntityName>();
  for (const name of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const group = ENTITY_GROUPS[name];
    if (group) for (const e of group) picked.add(e);
    else if (isEntityName(name)) picked.add(name);
    else throw new UsageError(`--only: unknown entity "${name}" (see --help for the list)`);
  }
  return [...picked];
}

function parseCompanies(values: string[] | undefined, configured: number[]): number[] | undefined {
  if (!values?.length) return undefined;
  const ids = values
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  return ids.map((raw) => {
    const id = Number(raw);
    if (!Number.isSafeInteger(id) || id <= 0) throw new UsageError(`--company: "${raw}" is not a company id`);
    if (!configured.includes(id)) {
      throw new UsageError(`--company: ${id} is not in YCLIENTS_COMPANY_IDS (${configured.join(', ')})`);
    }
    return id;
  });
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const env = loadEnv(io.env, io.cwd);
  let redact = makeRedactor([]);
  let log: Logger = createLogger({ json: !io.isTTY, redact: (t) => redact(t), write: io.stderr });
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        only: { type: 'string' },
        full: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        'confirm-deletes': { type: 'boolean', default: false },
        company: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).valueOf() as {
      values: {
        only?: string;
        full: boolean;
        'dry-run': boolean;
        'confirm-deletes': boolean;
        company?: string[];
        json: boolean;
        verbose: boolean;
        port?: string;
        help: boolean;
      };
      positionals: string[];
    };
    if (values.help) {
      io.stdout(HELP);
      return EXIT.ok;
    }
    const command = positionals[0] ?? 'sync';
    if (positionals.length > 1 || !['sync', 'status', 'migrate', 'db', 'login'].includes(command)) {
      throw new UsageError(
        `unknown command "${positionals.join(' ')}" (commands: status, migrate, db, login; see --help)`,
      );
    }
    const json = values.json || !io.isTTY;
    let progress: Progress = silentProgress;
    log = createLogger({
      json,
      redact: (t) => redact(t),
      write: io.stderr,
      debug: values.verbose,
      beforeWrite: () => progress.clear(),
    });
    progress = json ? logProgress(log) : ttyProgress();
    // Every command may print DATABASE_URL in an error, and `status` the errors stored by older runs:
    // the secrets the environment holds are masked from here on, before the configuration is checked.
    redact = makeRedactor(
      secretsOf({
        databaseUrl: env.DATABASE_URL,
        partnerToken: env.YCLIENTS_PARTNER_TOKEN,
        userToken: env.YCLIENTS_USER_TOKEN,
        password: env.YCLIENTS_PASSWORD,
      }),
    );

    if (command === 'migrate') {
      const { runMigrate } = await import('../commands/migrate');
      await runMigrate(env, log);
      return EXIT.ok;
    }
    if (command === 'db') {
      const port = values.port === undefined ? undefined : Number(values.port);
      if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
        throw new UsageError(`--port: "${values.port}" is not a port number`);
      }
      const { runDb } = await import('../commands/db');
      await runDb(env, log, io.stdout, port === undefined ? {} : { port });
      return EXIT.ok;
    }
    if (command === 'login') {
      const { runLogin } = await import('../commands/login');
      // the token goes to stdout unmasked: showing it once is the command's purpose
      await runLogin(env, {
        stdout: io.stdout,
        ...(io.prompt ? { prompt: io.prompt } : {}),
        ...(io.fetch ? { fetch: io.fetch } : {}),
      });
      return EXIT.ok;
    }
    if (command === 'status') {
      const { runStatus } = await import('../commands/status');
      io.stdout(redact(await runStatus(env, log, { json })));
      return EXIT.ok;
    }

    const config = readConfig(env);
    redact = makeRedactor(secretsOf(config));
    const options = {
      only: parseOnly(values.only),
      full: values.full,
      dryRun: values['dry-run'],
      confirmDeletes: values['confirm-deletes'],
      companyIds: parseCompanies(values.company, config.companyIds),
    };
    const { runSync } = await import('../commands/sync');
    const { formatSummary } = await import('../engine/summary');
    try {
      const summary = await runSync(config, options, {
        log,
        progress,
        env,
        ...(io.fetch ? { fetch: io.fetch } : {}),
      });
      if (!json) io.stdout(redact(formatSummary(summary)));
      return EXIT.ok;
    } catch (error) {
      const summary = (error as { summary?: Parameters<typeof formatSummary>[0] }).summary;
      if (summary && !json) io.stdout(redact(formatSummary(summary)));
      throw error;
    }
  } catch (error) {
    const code = exitCodeFor(isParseArgsError(error) ? new UsageError((error as Error).message) : error);
    const message = messageOf(error);
    if (isExpected(error) || isParseArgsError(error)) {
      log.error(message, { exitCode: code });
    } else {
      log.error(`unexpected error (a bug; please report it with this output): ${message}`, {
        exitCode: code,
        stack: error instanceof Error ? error.stack : undefined,
      });
    }
    return isParseArgsError(error) ? EXIT.usage : code;
  }
}

/**
 * What the error says, once: entities that failed for the same reason (an unreachable API fails every
 * one of them the same way) are named together before that reason instead of repeating it.
 */
export function messageOf(error: unknown): string {
  if (error instanceof PartialSyncError && error.failures.length > 1) {
    const byReason = new Map<string, string[]>();
    for (const f of error.failures) {
      const who = `${f.entity}@${f.companyId}`;
      const same = byReason.get(f.error);
      if (same) same.push(who);
      else byReason.set(f.error, [who]);
    }
    const n = error.failures.length;
    return (
      `${n} entit${n === 1 ? 'y' : 'ies'} failed: ` +
      [...byReason].map(([reason, who]) => `${who.join(', ')} (${reason})`).join('; ')
    );
  }
  return error instanceof Error ? error.message : String(error);
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
