// Last step of `npm run build`: every `maiimg` command but `serve` runs from dist/cli-bundle/, the
// compiled CLI and core bundled by esbuild into a few files, instead of from some 70 compiled modules
// and 110 more of zod and commander.
//
// Why: a command lives well under a second, and on these machines Node 20 spends much of it finding,
// reading and compiling modules one by one (Node 20 has no compile cache). Measured with
// `npm run bench:cli`-style runs of `maiimg list --json` on one data folder, interleaved: 450 ms from
// the bundle against 540 ms from dist/. Prisma's runtime is bundled too: imported as CommonJS from
// ESM, Node parses it twice more to find its exports (about 40 ms).
//
// What stays outside the bundle, loaded from node_modules as before:
// - every other package: native ones (sharp, libsql), those that find files beside themselves
//   (geoip-lite, pino's transports), those loaded behind `require.cache` tricks (@libsql/client, see
//   core/db/sqlite-prisma-client.ts), and the drivers and SDKs only some configurations load;
// - `serve` itself: the bin runs it from dist/cli/run.js, and cli/server.js is left external (pointing
//   at dist/cli/server.js) so the bundle never holds the web app or the bots.
//
// Each bundled module keeps its own `import.meta.url`: it is replaced by the URL of the module's
// compiled file in dist/, so whatever a module finds beside itself (the Prisma clients' query
// compiler .wasm, the SQL migrations, the visit writer's worker, createRequire's resolution) is
// found exactly where the unbundled code finds it.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const outdir = path.join(dist, 'cli-bundle');
const SERVER = path.join(dist, 'cli', 'server.js');

/** Pure JavaScript packages the CLI loads on every command that touches the database or the config. */
const BUNDLED_PACKAGES = new Set(['zod', 'commander', '@prisma/client']);

const packageName = (specifier) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
const toPosix = (p) => p.split(path.sep).join('/');

/** @type {import('esbuild').Plugin} */
const keepPlaces = {
  name: 'maiimg-keep-places',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      BUNDLED_PACKAGES.has(packageName(args.path)) ? undefined : { path: args.path, external: true },
    );
    b.onResolve({ filter: /\/server\.js$/ }, (args) => {
      if (path.resolve(args.resolveDir, args.path) !== SERVER) return undefined;
      return { path: `./${toPosix(path.relative(outdir, SERVER))}`, external: true };
    });
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(dist + path.sep)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const own = JSON.stringify(toPosix(path.relative(outdir, args.path)));
      return {
        contents: source.replaceAll('import.meta.url', `(new URL(${own}, import.meta.url).href)`),
        loader: 'js',
        resolveDir: path.dirname(args.path),
      };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: [path.join(dist, 'cli', 'run.js')],
  outdir,
  bundle: true,
  // The configuration, the core and the rest stay behind the dynamic imports cli/main.ts makes, so
  // `--help` still loads only what it needs.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // Bundled CommonJS (commander, Prisma's runtime) calls require() for Node's own modules.
  banner: {
    js: "import { createRequire as __maiimgCreateRequire } from 'node:module'; const require = __maiimgCreateRequire(import.meta.url);",
  },
  sourcemap: true,
  plugins: [keepPlaces],
  logLevel: 'warning',
});
