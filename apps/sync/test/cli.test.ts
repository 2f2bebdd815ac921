import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/cli/exit-codes';
import { main, messageOf, parseOnly } from '../src/cli/main';
import { PartialSyncError } from '../src/errors';

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      env,
      cwd: '/nonexistent',
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => err.push(t),
      isTTY: false,
    },
  };
}

describe('command line', () => {
  it('--help prints the usage and exits 0', async () => {
    const t = io();
    expect(await main(['--help'], t.io)).toBe(EXIT.ok);
    expect(t.out.join('')).toContain('pnpm sync status');
    expect(t.out.join('')).toContain('Exit codes');
  });

  it('an unknown flag or command is a usage error (exit 2), without a stack trace', async () => {
    const t = io();
    expect(await main(['--bogus'], t.io)).toBe(EXIT.usage);
    expect(await main(['frobnicate'], t.io)).toBe(EXIT.usage);
    expect(t.err.join('\n')).not.toMatch(/\n\s+at /);
  });

  it('bad configuration exits 2 naming the variable', async () => {
    const t = io({ YCLIENTS_PARTNER_TOKEN: 'p', YCLIENTS_USER_TOKEN: 'u', YCLIENTS_COMPANY_IDS: 'x' });
    expect(await main([], t.io)).toBe(EXIT.usage);
    const line = JSON.parse(t.err.at(-1)!);
    expect(line).toMatchObject({ level: 'error', exitCode: 2 });
    expect(line.event).toContain('YCLIENTS_COMPANY_IDS');
  });

  it('--only maps the specification names to entities', () => {
    expect(parseOnly('staff,records')).toEqual(['positions', 'staff', 'records']);
    expect(parseOnly('clients')).toEqual(['client_categories', 'clients']);
    expect(() => parseOnly('visits')).toThrow(/unknown entity "visits"/);
  });
});

describe('error messages', () => {
  it('name the entities that failed for one reason together, and the reason once', () => {
    const reason = 'GET /company/{company_id}: network error (fetch failed)';
    const error = new PartialSyncError([
      { companyId: 1, entity: 'staff', error: reason },
      { companyId: 1, entity: 'clients', error: reason },
      { companyId: 1, entity: 'records', error: 'HTTP 502' },
    ]);
    expect(messageOf(error)).toBe(`3 entities failed: staff@1, clients@1 (${reason}); records@1 (HTTP 502)`);
    expect(messageOf(error).split(reason)).toHaveLength(2);
  });
});

describe('pnpm sync login', () => {
  it('asks for the two-factor code and prints the user token once, logging nothing of it', async () => {
    const { createYclientsFake } = await import('@yclients-pg/yclients-fake');
    const fake = createYclientsFake({ rateLimit: false, twoFactor: true, twoFactorCode: '424242' });
    const server = await fake.listen();
    try {
      const out: string[] = [];
      const err: string[] = [];
      const questions: string[] = [];
      const code = await main(['login'], {
        env: {
          YCLIENTS_BASE_URL: server.url,
          YCLIENTS_PARTNER_TOKEN: fake.credentials.partnerToken,
          YCLIENTS_LOGIN: fake.credentials.login,
          YCLIENTS_PASSWORD: fake.credentials.password,
        },
        cwd: '/nonexistent',
        stdout: (t) => out.push(t),
        stderr: (t) => err.push(t),
        isTTY: false,
        prompt: async (q) => {
          questions.push(q);
          return '424242';
        },
      });
      expect(code).toBe(0);
      expect(questions).toHaveLength(1);
      expect(out.join('\n')).toContain(`YCLIENTS_USER_TOKEN=${fake.credentials.userToken}`);
      expect(err.join('\n')).not.toContain(fake.credentials.userToken);
      expect(err.join('\n')).not.toContain(fake.credentials.password);
    } finally {
      await server.close();
    }
  });

  it('off a terminal, or without a login, says what is missing', async () => {
    const run = (env: NodeJS.ProcessEnv) =>
      main(['login'], { env, cwd: '/nonexistent', stdout: () => {}, stderr: () => {}, isTTY: false });
    expect(await run({})).toBe(2);
    expect(
      await run({ YCLIENTS_PARTNER_TOKEN: 'p-123', YCLIENTS_LOGIN: 'a@b.c', YCLIENTS_PASSWORD: 'pw1' }),
    ).toBe(2);
  });
});
