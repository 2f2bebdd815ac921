/**
 * The CLI as prebuilt JavaScript (`dist/bin.js`), so a start costs Node's start and not
 * a TypeScript compile. Workspace packages are bundled; npm packages stay external (installed in
 * node_modules). `import.meta.url` in a bundled file is rewritten to that file's own URL, relative to
 * the bundle, so `sql/src/migrate.ts` still finds `sql/migrations` from `dist/`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { defineConfig, type Options } from 'tsup';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

const OUT_DIR = path.resolve(import.meta.dirname, 'dist');

const ownImportMetaUrl: Plugin = {
  name: 'own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const relative = path.relative(OUT_DIR, args.path).split(path.sep).join('/');
      return {
        contents: source.replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(relative)}, import.meta.url).href`,
        ),
        loader: 'ts',
      };
    });
  },
};

/**
 * Our own modules have no import-time side effects, so a module nothing uses is left out: `--help` and a
 * configuration error then load no database driver (the commands import theirs when they run).
 */
const sideEffectFreeSources: Plugin = {
  name: 'side-effect-free-sources',
  setup(build) {
    build.onResolve({ filter: /^(\.|@yclients-pg\/)/ }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      const result = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolving',
      });
      if (result.errors.length > 0 || result.external || result.path.includes('/node_modules/')) {
        return { errors: result.errors, path: result.path, external: result.external };
      }
      return { path: result.path, sideEffects: false };
    });
  },
};

export default defineConfig({
  entry: { bin: 'src/bin.ts' },
  outDir: 'dist',
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  splitting: true,
  // fresh.js builds into a scratch directory and moves the files into dist/ itself.
  clean: false,
  // Workspace packages are TypeScript sources: bundle them. Everything else comes from node_modules.
  noExternal: [/^@yclients-pg\//],
  external: [/^[^./@]/, /^@(?!yclients-pg\/)/],
  esbuildPlugins: [sideEffectFreeSources, ownImportMetaUrl],
});
