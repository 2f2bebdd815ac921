import { delay, HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { maskPhones } from '../src/errors';
import { BASE, client, PARTNER, PHONE, server, USER, useServer } from './helpers';

useServer();

const PASSWORD = 'pa$$word-SECRET';
const SECRETS = [PARTNER, USER, PASSWORD, PHONE, PHONE.slice(1), '9161234567'];

function expectClean(text: string) {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('no token, password or phone in hook payloads or error messages', () => {
  it('across failures of every kind', async () => {
    const events: unknown[] = [];
    const errors: unknown[] = [];
    const hooks = {
      onRequest: (e: unknown) => events.push(e),
      onResponse: (e: unknown) => events.push(e),
      onRetry: (e: unknown) => events.push(e),
    };
    const yc = client({ hooks, retries: 1, timeoutMs: 30 });
    const body = {
      success: false,
      data: null,
      meta: { message: `Клиент с телефоном ${PHONE} уже существует`, errors: { phone: [`${PHONE} занят`] } },
    };
    server.use(
      http.get(`${BASE}/clients/:id`, () => HttpResponse.json(body, { status: 422 })),
      http.post(`${BASE}/clients/:id`, () => HttpResponse.json(body, { status: 409 })),
      http.get(`${BASE}/records/:id`, () =>
        HttpResponse.json({ success: false, data: null, meta: { message: `Ошибка 8 916 123-45-67` } }),
      ),
      http.get(`${BASE}/transactions/:id`, async () => {
        await delay('infinite');
        return HttpResponse.json({});
      }),
      http.get(`${BASE}/accounts/:id`, () => HttpResponse.error()),
      http.post(`${BASE}/auth`, () =>
        HttpResponse.json(
          { success: false, data: null, meta: { message: 'Неверный пароль' } },
          { status: 401 },
        ),
      ),
    );
    const attempts = [
      yc.clientsPage(1, { page: 1, changedAfter: '2024-01-01T00:00:00' }),
      yc.GET('/clients/{company_id}', { params: { path: { company_id: 1 }, query: { phone: PHONE } } }),
      yc.createClient(1, { name: 'X', phone: PHONE }),
      yc.recordsPage(1, { page: 1 }),
      yc.transactionsPage(1, { page: 1, startDate: '2024-01-01', endDate: '2024-01-02' }),
      yc.accounts(1),
      client({ userToken: undefined, login: PHONE, password: PASSWORD, hooks } as never).authenticate(),
    ];
    for (const result of await Promise.allSettled(attempts)) {
      errors.push(result.status === 'rejected' ? result.reason : result.value);
    }
    expect(errors.every((e) => e instanceof Error)).toBe(true);
    const everything =
      JSON.stringify(events) +
      errors.map((e) => `${(e as Error).message} ${JSON.stringify(e)} ${(e as Error).stack}`).join('\n');
    expectClean(everything);
    expect(events.length).toBeGreaterThan(10);
    expect((errors[0] as { apiMessage: string }).apiMessage).toBe('Клиент с телефоном *** уже существует');
    expect((errors[0] as { apiErrors: unknown }).apiErrors).toEqual({ phone: ['*** занят'] });
  });

  it('hook paths never carry the query string', async () => {
    server.use(
      http.get(`${BASE}/clients/:id`, () =>
        HttpResponse.json({ success: true, data: [], meta: { page: 1, total_count: 0 } }),
      ),
    );
    const paths: string[] = [];
    const yc = client({ hooks: { onResponse: (e) => paths.push(e.path) } });
    await yc.GET('/clients/{company_id}', { params: { path: { company_id: 1 }, query: { phone: PHONE } } });
    expect(paths).toEqual(['/clients/{company_id}']);
  });

  it('maskPhones leaves ids and dates alone', () => {
    expect(maskPhones('Сотрудник с ID 17969 не найден в филиале 123456')).toBe(
      'Сотрудник с ID 17969 не найден в филиале 123456',
    );
    expect(maskPhones('дата 2024-05-01')).toBe('дата 2024-05-01');
    expect(maskPhones('тел. +7 (916) 123-45-67')).toBe('тел. ***');
  });
});
