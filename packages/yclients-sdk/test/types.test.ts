/**
 * The types promised to importers, checked by `tsc` (pnpm typecheck covers test/): endpoint calls are
 * checked against the generated `paths`, and the methods return the documented shapes.
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  type Client,
  type CountedPage,
  type IteratedPage,
  iteratePages,
  type LoginResult,
  PAGE_SIZES,
  type Page,
  type RowsPage,
  type Transaction,
  type YcRecord,
} from '../src';
import { client } from './helpers';

describe('types', () => {
  it('methods return the documented shapes', () => {
    const yc = client();
    expectTypeOf(yc.recordsPage).returns.resolves.toEqualTypeOf<CountedPage<YcRecord>>();
    expectTypeOf(yc.clientsPage).returns.resolves.toEqualTypeOf<CountedPage<Client>>();
    expectTypeOf(yc.transactionsPage).returns.resolves.toEqualTypeOf<RowsPage<Transaction>>();
    expectTypeOf(yc.transaction).returns.resolves.toEqualTypeOf<Transaction>();
    expectTypeOf(yc.login).returns.resolves.toEqualTypeOf<LoginResult>();
    expectTypeOf(PAGE_SIZES.records).toEqualTypeOf<1000>();
  });

  it('iteratePages yields the fetched page with `last`', () => {
    const pages = iteratePages(async (page): Promise<Page<number>> => ({ page, rows: [] }), {
      label: 'x',
      pageSize: 1,
    });
    expectTypeOf(pages).toEqualTypeOf<AsyncGenerator<IteratedPage<Page<number>>, void, undefined>>();
    expectTypeOf<IteratedPage<Page<number>>['last']>().toEqualTypeOf<boolean>();
  });

  it('paths, parameters and bodies are checked against the OpenAPI description', () => {
    const yc = client();
    // Never run: only compiled.
    const unused = () => {
      // @ts-expect-error: no such path
      void yc.GET('/recordz/{company_id}', { params: { path: { company_id: 1 } } });
      // @ts-expect-error: company_id is a number
      void yc.GET('/records/{company_id}', { params: { path: { company_id: '1' } } });
      const query = { with_deleted: 2 } as const;
      // @ts-expect-error: with_deleted is 0 | 1
      void yc.GET('/records/{company_id}', { params: { path: { company_id: 1 }, query } });
      // @ts-expect-error: the 2FA code goes in `2fa.secret`
      void yc.POST('/auth', { body: { login: 'l', password: 'p', '2fa': { uuid: 'u', code: '1' } } });
      // @ts-expect-error: pages() reads only the paged lists
      void yc.pages('/company/{company_id}/staff', { params: { path: { company_id: 1 } } });
      // @ts-expect-error: a records page takes no `fields`
      void yc.recordsPage(1, { page: 1, fields: [] });
    };
    expectTypeOf(unused).toBeFunction();
  });
});
