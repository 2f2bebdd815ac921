import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnv, readConfig, secretsOf } from '../src/config';
import { ConfigError } from '../src/errors';

const good = {
  YCLIENTS_PARTNER_TOKEN: 'partner-abc',
  YCLIENTS_USER_TOKEN: 'user-xyz',
  YCLIENTS_COMPANY_IDS: '101, 202,101',
};

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    readConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => p.variable);
  }
  return [];
}

describe('configuration', () => {
  it('reads a good configuration with defaults', () => {
    const config = readConfig(good);
    expect(config).toMatchObject({
      companyIds: [101, 202],
      rps: 5,
      rpm: 200,
      baseUrl: 'https://api.yclients.com/api/v1',
      databaseUrl: undefined,
      transactionsLookbackDays: 30,
      changedAfterOverlapMinutes: 60,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every problem, each naming its variable', () => {
    expect(problems({})).toEqual(['YCLIENTS_PARTNER_TOKEN', 'YCLIENTS_USER_TOKEN', 'YCLIENTS_COMPANY_IDS']);
    expect(
      problems({ ...good, YCLIENTS_COMPANY_IDS: '12,abc', YCLIENTS_RPS: '0', DATABASE_URL: 'mysql://x' }),
    ).toEqual(['DATABASE_URL', 'YCLIENTS_COMPANY_IDS', 'YCLIENTS_RPS']);
    expect(problems({ ...good, YCLIENTS_USER_TOKEN: '', YCLIENTS_LOGIN: 'a@b.c' })).toEqual([
      'YCLIENTS_PASSWORD',
    ]);
    expect(problems({ ...good, YCLIENTS_CHANGED_AFTER_OVERLAP_MINUTES: '5' })).toEqual([
      'YCLIENTS_CHANGED_AFTER_OVERLAP_MINUTES',
    ]);
  });

  it('never echoes a secret in its messages', () => {
    expect.assertions(2);
    try {
      readConfig({ ...good, DATABASE_URL: 'mysql://user:hunter2@db/x' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect(String((error as Error).message)).not.toContain('hunter2');
    }
  });

  it('refuses credentials inside YCLIENTS_BASE_URL, and plain http to another machine unless allowed', () => {
    const message = (env: NodeJS.ProcessEnv) => {
      try {
        readConfig({ ...good, ...env });
        return null;
      } catch (error) {
        return (error as Error).message;
      }
    };
    const withCredentials = message({ YCLIENTS_BASE_URL: 'https://user:tok3n@api.yclients.com/api/v1' });
    expect(withCredentials).toMatch(/^YCLIENTS_BASE_URL: must not hold a user name or password/);
    expect(withCredentials).not.toContain('tok3n');
    expect(message({ YCLIENTS_BASE_URL: 'http://api.example.ru/api/v1' })).toMatch(
      /plain http to api\.example\.ru/,
    );
    expect(
      message({ YCLIENTS_BASE_URL: 'http://api.example.ru/api/v1', YCLIENTS_ALLOW_HTTP: '1' }),
    ).toBeNull();
    expect(message({ YCLIENTS_BASE_URL: 'http://127.0.0.1:8080/api/v1' })).toBeNull();
  });

  it('accepts login and password instead of a user token', () => {
    const config = readConfig({
      ...good,
      YCLIENTS_USER_TOKEN: undefined,
      YCLIENTS_LOGIN: 'a@b.c',
      YCLIENTS_PASSWORD: 'pw1',
    });
    expect(config.login).toBe('a@b.c');
    expect(secretsOf(config)).toEqual(['partner-abc', 'pw1']);
  });

  it('reads .env below the process environment', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ypg-env-'));
    writeFileSync(path.join(dir, '.env'), 'YCLIENTS_COMPANY_IDS=1\nYCLIENTS_RPS=3\n');
    const env = loadEnv({ YCLIENTS_COMPANY_IDS: '7' }, dir);
    expect(env.YCLIENTS_COMPANY_IDS).toBe('7');
    expect(env.YCLIENTS_RPS).toBe('3');
  });

  it('collects the password inside DATABASE_URL as a secret', () => {
    const config = readConfig({
      ...good,
      DATABASE_URL: 'postgres://app:s3cr%40t@db.example:5432/x?sslmode=require',
    });
    expect(secretsOf(config)).toContain('s3cr@t');
  });
});
