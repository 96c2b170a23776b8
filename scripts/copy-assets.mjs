// Second half of `npm run build`: tsc writes only JavaScript, so the files the compiled code reads
// beside itself (the gallery's static files and styles, the SQL migrations the product's own runner
// applies at start, and the generated Prisma clients' query compilers, see prisma-wasm-file.mjs) are
// copied into dist/ at the same relative places.
import { cpSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

/** Every file under `dir` that tsc does not compile (anything but TypeScript and the dev-only worker launcher). */
function copyNonTypeScript(dir) {
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (relative !== path.join('core', 'db', 'generated')) copyNonTypeScript(relative);
    } else if (!/\.(ts|mts|cts)$/.test(entry.name) && entry.name !== 'visit-writer-worker.mjs') {
      cpSync(path.join(root, relative), path.join(dist, relative));
    }
  }
}

for (const dir of ['bots', 'cli', 'core', 'gallery-web']) copyNonTypeScript(dir);
for (const provider of ['sqlite', 'postgresql']) {
  const migrations = path.join('prisma', provider, 'migrations');
  cpSync(path.join(root, migrations), path.join(dist, migrations), { recursive: true });
}
for (const provider of ['sqlite', 'postgresql']) {
  const wasm = path.join('core', 'db', 'generated', provider, 'internal', 'query_compiler_bg.wasm');
  if (existsSync(path.join(root, wasm))) cpSync(path.join(root, wasm), path.join(dist, wasm));
}
