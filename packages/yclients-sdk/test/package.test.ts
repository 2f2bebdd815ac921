/**
 * "Importable by other projects", checked: the SDK is packed as it would be published (`pnpm pack`,
 * whose `prepack` runs the tsup build), the tarball is installed into the node_modules of a scratch
 * project in a temp dir, and that project uses it as an importer would: an ESM script and a CommonJS
 * script call the client against a local fetch stub and iterate pages, and `tsc` type-checks an ESM and
 * a CommonJS TypeScript file against the packed `.d.ts`/`.d.cts`. No network: the SDK comes from the
 * tarball file, and its one runtime dependency (openapi-fetch, with its own) is copied from this
 * workspace's store. Slow-ish (a build), so it is one test; the temp dir is removed afterwards.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SDK_DIR = fileURLToPath(new URL('..', import.meta.url));

/** The directory node would load `name` from, starting at `from` (the same walk up `node_modules`). */
function packageDir(name: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) throw new Error(`${name} is not installed above ${from}`);
  }
}

/**
 * Copies the runtime dependencies named by the manifest in `manifestDir` (and theirs) into `nodeModules`,
 * each as node finds it from `resolveFrom`: what a registry install would put there, without a registry.
 */
function copyDependencies(
  manifestDir: string,
  resolveFrom: string,
  nodeModules: string,
  done = new Set<string>(),
) {
  const manifest = JSON.parse(readFileSync(join(manifestDir, 'package.json'), 'utf8'));
  for (const name of Object.keys(manifest.dependencies ?? {})) {
    if (done.has(name)) continue;
    done.add(name);
    const source = packageDir(name, resolveFrom);
    cpSync(source, join(nodeModules, name), {
      recursive: true,
      dereference: true,
      filter: (path) => !path.slice(source.length).split(/[\\/]/).includes('node_modules'),
    });
    copyDependencies(source, source, nodeModules, done);
  }
}

const STUB = `
const calls = [];
async function fetchStub(request) {
  const url = new URL(request.url);
  calls.push(request.method + ' ' + url.pathname + url.search + ' ' + request.headers.get('authorization'));
  if (url.pathname === '/api/v1/records/42') {
    return Response.json({
      success: true,
      data: [{ id: 1, date: '2024-05-01 10:00:00', services: [] }, { id: 0, date: '2024-05-01 11:00:00' }],
      meta: { page: 1, total_count: 2 },
    });
  }
  if (url.pathname === '/api/v1/company/42/staff') {
    return Response.json({ success: false, data: null, meta: { message: 'Недостаточно прав' } }, { status: 403 });
  }
  return Response.json({ success: false, data: null, meta: { message: 'Не найдено' } }, { status: 404 });
}
`;

const USE = (format: string) => `
async function main() {
  const yc = sdk.createYclientsClient({
    partnerToken: 'partner',
    userToken: 'user',
    baseUrl: 'http://yclients.invalid/api/v1',
    fetch: fetchStub,
  });
  const page = await yc.recordsPage(42, { page: 1, timeZone: 'Asia/Novosibirsk' });
  const refused = await yc.staff(42).catch((error) => error);
  const pages = [];
  for await (const p of sdk.iteratePages(async (n) => ({ page: n, rows: n < 3 ? [n] : [] }), {
    label: 'stub',
    pageSize: 1,
    stop: 'empty',
  })) {
    pages.push([p.page, p.last]);
  }
  process.stdout.write(JSON.stringify({
    format: ${JSON.stringify(format)},
    datetime: page.rows[0].datetime,
    rejected: page.rejected.map((r) => r.id),
    totalCount: page.totalCount,
    refused: [refused instanceof sdk.YclientsAuthError, refused.status, refused.code],
    pages,
    recordsPageSize: sdk.PAGE_SIZES.records,
    calls,
  }));
}
`;

const EXPECTED = {
  datetime: '2024-05-01T10:00:00+07:00',
  rejected: [null],
  totalCount: 2,
  refused: [true, 403, 'auth'],
  pages: [
    [1, false],
    [2, false],
    [3, true],
  ],
  recordsPageSize: 1000,
  calls: [
    'GET /api/v1/records/42?page=1&count=1000 Bearer partner, User user',
    'GET /api/v1/company/42/staff Bearer partner, User user',
  ],
};

const TS_USE = `
  const yc: YclientsClient = createYclientsClient({ partnerToken: 'p', userToken: 'u', rps: 3 });
  const page: Promise<CountedPage<YcRecord>> = yc.recordsPage(1, {
    page: 1,
    count: PAGE_SIZES.records,
    timeZone: 'Europe/Moscow',
  });
  const raw = yc.GET('/records/{company_id}', { params: { path: { company_id: 1 }, query: { with_deleted: 1 } } });
  // @ts-expect-error: the packed types know the paths
  const wrong = yc.GET('/nope');
  const step: Promise<LoginResult> = yc.login();
  async function read(): Promise<boolean> {
    for await (const p of iteratePages((n) => yc.clientsPage(1, { page: n }), { label: 'c', pageSize: 300 })) {
      const last: boolean = p.last;
      const rows: Client[] = p.rows;
      if (last) return rows.length > 0;
    }
    return false;
  }
  function isAuth(error: unknown): boolean {
    return error instanceof YclientsAuthError && error.code === 'two_factor_refused';
  }
  export { page, raw, wrong, step, read, isAuth };
`;
const TS_IMPORT = `import {
  type Client,
  type CountedPage,
  createYclientsClient,
  iteratePages,
  type LoginResult,
  PAGE_SIZES,
  type YcRecord,
  type YclientsClient,
  YclientsAuthError,
} from '@yclients-pg/sdk';
`;

describe('the packed SDK', () => {
  let root: string;
  let consumer: string;
  // `prepack` builds into the package's dist/ (ignored by git); a dist/ this test made is removed again.
  const DIST = join(SDK_DIR, 'dist');
  const hadDist = existsSync(DIST);

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'yclients-sdk-pack-'));
    execFileSync('pnpm', ['pack', '--pack-destination', root], { cwd: SDK_DIR, stdio: 'pipe' });
    const manifest = JSON.parse(readFileSync(join(SDK_DIR, 'package.json'), 'utf8'));
    const tarball = join(root, `${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`);

    consumer = join(root, 'consumer');
    const installed = join(consumer, 'node_modules', '@yclients-pg', 'sdk');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
    copyDependencies(installed, SDK_DIR, join(consumer, 'node_modules'));

    writeFileSync(
      join(consumer, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    writeFileSync(
      join(consumer, 'esm.mjs'),
      `import * as sdk from '@yclients-pg/sdk';\n${STUB}${USE('esm')}\nawait main();\n`,
    );
    writeFileSync(
      join(consumer, 'cjs.cjs'),
      `'use strict';\nconst sdk = require('@yclients-pg/sdk');\n${STUB}${USE('cjs')}\nmain().catch((e) => { console.error(e); process.exit(1); });\n`,
    );
    writeFileSync(join(consumer, 'use.ts'), `${TS_IMPORT}${TS_USE}`);
    writeFileSync(join(consumer, 'use.cts'), `${TS_IMPORT}${TS_USE}`);
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022', 'DOM', 'DOM.Iterable'],
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        files: ['use.ts', 'use.cts'],
      }),
    );
  }, 120_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    if (!hadDist) rmSync(DIST, { recursive: true, force: true });
  });

  it('packs the build, not the sources, and points every condition at it', () => {
    const packed = JSON.parse(
      readFileSync(join(consumer, 'node_modules/@yclients-pg/sdk/package.json'), 'utf8'),
    );
    expect(packed.exports['.']).toEqual({
      import: { types: './dist/index.d.ts', default: './dist/index.js' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    });
    for (const file of [
      'dist/index.js',
      'dist/index.cjs',
      'dist/index.d.ts',
      'dist/index.d.cts',
      'README.md',
    ]) {
      expect(existsSync(join(consumer, 'node_modules/@yclients-pg/sdk', file)), file).toBe(true);
    }
    expect(existsSync(join(consumer, 'node_modules/@yclients-pg/sdk/src'))).toBe(false);
    expect(Object.keys(packed.dependencies)).toEqual(['openapi-fetch']);
  });

  it('an ESM consumer and a CommonJS consumer use it', () => {
    for (const [format, file] of [
      ['esm', 'esm.mjs'],
      ['cjs', 'cjs.cjs'],
    ] as const) {
      const out = execFileSync(process.execPath, [file], { cwd: consumer, encoding: 'utf8' });
      expect(JSON.parse(out)).toEqual({ format, ...EXPECTED });
    }
  });

  it('its types check in an ESM and a CommonJS TypeScript consumer, with the repository tsc', () => {
    const tsc = join(packageDir('typescript', SDK_DIR), 'bin', 'tsc');
    let errors = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', consumer], { cwd: consumer, encoding: 'utf8' });
    } catch (error) {
      errors = String((error as { stdout?: unknown }).stdout || error);
    }
    expect(errors).toBe('');
  });
});
