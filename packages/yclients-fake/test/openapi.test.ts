/**
 * The simulator's answers checked against the SDK's hand-written OpenAPI file: if a response of the
 * simulator does not fit, either the simulator or the spec is wrong about the real API.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { CreateFakeOptions } from '../src/index';
import { call, makeFake } from './helpers';

const SPEC_PATH = fileURLToPath(new URL('../../yclients-sdk/openapi/yclients.yaml', import.meta.url));
const SPEC_ID = 'https://yclients-pg.test/openapi.json';

interface Case {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  template: string;
  path: string;
  query?: Record<string, string | number>;
  body?: unknown;
  auth?: string | null;
  options?: CreateFakeOptions;
  status: number;
}

const CLIENT = 10_000_001;
const RECORD = 1_000_000_010;
const cases: Case[] = [
  {
    name: 'auth 201',
    method: 'POST',
    template: '/auth',
    path: '/auth',
    auth: 'Bearer partner-token',
    body: { login: 'admin@salon.test', password: 'secret' },
    status: 201,
  },
  {
    name: 'auth 2FA',
    method: 'POST',
    template: '/auth',
    path: '/auth',
    auth: 'Bearer partner-token',
    body: { login: 'admin@salon.test', password: 'secret' },
    options: { twoFactor: true },
    status: 200,
  },
  {
    name: 'auth 401',
    method: 'POST',
    template: '/auth',
    path: '/auth',
    auth: 'Bearer partner-token',
    body: { login: 'admin@salon.test', password: 'x' },
    status: 401,
  },
  { name: 'company', method: 'GET', template: '/company/{company_id}', path: '/company/101', status: 200 },
  {
    name: 'company 401 errors form',
    method: 'GET',
    template: '/company/{company_id}',
    path: '/company/101',
    auth: 'Bearer nope',
    status: 401,
  },
  {
    name: 'company 404 errors form',
    method: 'GET',
    template: '/company/{company_id}',
    path: '/company/999',
    status: 404,
  },
  {
    name: 'positions',
    method: 'GET',
    template: '/company/{company_id}/staff/positions',
    path: '/company/101/staff/positions',
    status: 200,
  },
  {
    name: 'staff',
    method: 'GET',
    template: '/company/{company_id}/staff',
    path: '/company/101/staff',
    status: 200,
  },
  {
    name: 'staff total_count',
    method: 'GET',
    template: '/company/{company_id}/staff',
    path: '/company/101/staff',
    options: { staffMetaKey: 'total_count' },
    status: 200,
  },
  {
    name: 'staff licence 403',
    method: 'GET',
    template: '/company/{company_id}/staff',
    path: '/company/101/staff',
    options: { companies: [{ id: 101, licenceExpired: true }] },
    status: 403,
  },
  {
    name: 'service categories',
    method: 'GET',
    template: '/company/{company_id}/service_categories',
    path: '/company/101/service_categories',
    status: 200,
  },
  {
    name: 'services',
    method: 'GET',
    template: '/company/{company_id}/services',
    path: '/company/101/services',
    status: 200,
  },
  {
    name: 'labels 1',
    method: 'GET',
    template: '/labels/{company_id}/{entity}',
    path: '/labels/101/1',
    status: 200,
  },
  {
    name: 'labels client',
    method: 'GET',
    template: '/labels/{company_id}/{entity}',
    path: '/labels/101/client',
    status: 200,
  },
  {
    name: 'clients',
    method: 'GET',
    template: '/clients/{company_id}',
    path: '/clients/101',
    query: { count: 300 },
    status: 200,
  },
  {
    name: 'clients changed_after',
    method: 'GET',
    template: '/clients/{company_id}',
    path: '/clients/101',
    query: { changed_after: '2024-01-01T00:00:00' },
    status: 200,
  },
  {
    name: 'clients 401',
    method: 'GET',
    template: '/clients/{company_id}',
    path: '/clients/101',
    auth: 'Bearer partner-token',
    status: 401,
  },
  {
    name: 'clients 429',
    method: 'GET',
    template: '/clients/{company_id}',
    path: '/clients/101',
    options: { rateLimit: { perSecond: 0 } },
    status: 429,
  },
  {
    name: 'clients 400',
    method: 'GET',
    template: '/clients/{company_id}',
    path: '/clients/101',
    query: { changed_after: 'later' },
    status: 400,
  },
  {
    name: 'create client',
    method: 'POST',
    template: '/clients/{company_id}',
    path: '/clients/101',
    body: { name: 'Вера', phone: '+79990001122' },
    status: 201,
  },
  {
    name: 'search',
    method: 'POST',
    template: '/company/{company_id}/clients/search',
    path: '/company/101/clients/search',
    body: {
      page_size: 200,
      fields: [
        'id',
        'name',
        'phone',
        'email',
        'discount',
        'first_visit_date',
        'last_visit_date',
        'sold_amount',
        'visits_count',
        'deposit_balance',
      ],
    },
    status: 200,
  },
  {
    name: 'search 402',
    method: 'POST',
    template: '/company/{company_id}/clients/search',
    path: '/company/101/clients/search',
    body: {},
    options: { companies: [{ id: 101, licenceExpired: true }] },
    status: 402,
  },
  {
    name: 'client',
    method: 'GET',
    template: '/client/{company_id}/{client_id}',
    path: `/client/101/${CLIENT}`,
    status: 200,
  },
  {
    name: 'update client',
    method: 'PUT',
    template: '/client/{company_id}/{client_id}',
    path: `/client/101/${CLIENT}`,
    body: { comment: 'x' },
    status: 200,
  },
  {
    name: 'delete client',
    method: 'DELETE',
    template: '/client/{company_id}/{client_id}',
    path: `/client/101/${CLIENT}`,
    status: 204,
  },
  {
    name: 'records',
    method: 'GET',
    template: '/records/{company_id}',
    path: '/records/101',
    query: { count: 1000, with_deleted: 1 },
    status: 200,
  },
  {
    name: 'create record',
    method: 'POST',
    template: '/records/{company_id}',
    path: '/records/101',
    body: { staff_id: 100000, datetime: '2025-06-05T10:00:00+03:00', services: [{ id: 300000 }] },
    status: 201,
  },
  {
    name: 'record',
    method: 'GET',
    template: '/record/{company_id}/{record_id}',
    path: `/record/101/${RECORD}`,
    status: 200,
  },
  {
    name: 'update record',
    method: 'PUT',
    template: '/record/{company_id}/{record_id}',
    path: `/record/101/${RECORD}`,
    body: { comment: 'x' },
    status: 200,
  },
  {
    name: 'delete record',
    method: 'DELETE',
    template: '/record/{company_id}/{record_id}',
    path: `/record/101/${RECORD}`,
    status: 204,
  },
  {
    name: 'transactions',
    method: 'GET',
    template: '/transactions/{company_id}',
    path: '/transactions/101',
    query: { count: 200 },
    status: 200,
  },
  { name: 'accounts', method: 'GET', template: '/accounts/{company_id}', path: '/accounts/101', status: 200 },
];

const pointer = (...parts: string[]) =>
  parts.map((p) => encodeURIComponent(p.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/');

describe.skipIf(!existsSync(SPEC_PATH))('responses fit packages/yclients-sdk/openapi/yclients.yaml', () => {
  const spec = existsSync(SPEC_PATH) ? parse(readFileSync(SPEC_PATH, 'utf8')) : {};
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ ...spec, $id: SPEC_ID });

  /** The schema the spec gives for this answer, as a `$ref` into the spec (default response included). */
  function schemaFor(c: Case, status: number): { $ref: string } | 'no content' {
    const operation = spec.paths?.[c.template]?.[c.method.toLowerCase()];
    if (!operation) throw new Error(`the spec has no ${c.method} ${c.template}`);
    const key = operation.responses[String(status)] ? String(status) : 'default';
    let response = operation.responses[key];
    let at = `#/${pointer('paths', c.template, c.method.toLowerCase(), 'responses', key)}`;
    if (!response) throw new Error(`the spec has no ${status} (nor default) for ${c.method} ${c.template}`);
    if (response.$ref) {
      at = response.$ref;
      response = response.$ref
        .slice(2)
        .split('/')
        .reduce((o: Record<string, unknown>, k: string) => o[k], spec);
    }
    if (!response.content) return 'no content';
    return { $ref: `${SPEC_ID}${at}/content/${pointer('application/json')}/schema` };
  }

  it('rejects a body that does not fit (the check is not vacuous)', () => {
    const validate = ajv.compile(schemaFor(cases.find((c) => c.name === 'records')!, 200) as object);
    expect(validate({ success: true, data: [{ id: {}, datetime: 5, services: 'none' }], meta: [] })).toBe(
      false,
    );
  });

  for (const legacyStrings of [false, true]) {
    for (const c of cases) {
      it(`${c.name}${legacyStrings ? ' (legacy strings)' : ''}`, async () => {
        const fake = makeFake({
          companies: [{ id: 101, clients: 300, records: 2000, transactions: 400 }],
          legacyStrings,
          ...c.options,
        });
        const answer = await call(fake, c.method, c.path, { query: c.query, body: c.body, auth: c.auth });
        expect(answer.status).toBe(c.status);
        const schema = schemaFor(c, answer.status);
        if (schema === 'no content') {
          expect(answer.body).toBeUndefined();
          return;
        }
        const validate = ajv.getSchema(schema.$ref) ?? ajv.compile(schema);
        const valid = validate(answer.body);
        expect(valid ? [] : validate.errors?.slice(0, 5), JSON.stringify(answer.body).slice(0, 300)).toEqual(
          [],
        );
      });
    }
  }
});
