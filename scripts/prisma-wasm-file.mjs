// Last step of `npm run generate`: the generated Prisma clients load their query compiler from a
// plain .wasm file beside them instead of from Prisma's 2.5 MB JavaScript module holding it in base64.
//
// Prisma 6's `prisma-client` generator (runtime "nodejs") makes each client import
// `@prisma/client/runtime/query_compiler_bg.<provider>.wasm-base64.mjs` before its first query: V8
// parses that 2.5 MB module and the client decodes the base64 string, about 65 ms of CPU on these
// machines in every process that queries the database, before the Wasm is even compiled. Here the
// same bytes are written once, to `internal/query_compiler_bg.wasm` of each generated client, and the
// client's loader is changed to read that file (`npm run build` copies it into dist/ beside the
// compiled client). The module compiled from it is the same one Prisma's loader would compile.
//
// If a Prisma upgrade changes the generated loader, this step says so and leaves the client as
// generated (it works, only slower); test/core/db/prisma-wasm-file.test.ts then fails, so the change
// is noticed.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

/** What the generator writes (one provider's name in it), and what replaces it. */
const generatedLoader = (provider) =>
  [
    '  getQueryCompilerWasmModule: async () => {',
    `    const { wasm } = await import("@prisma/client/runtime/query_compiler_bg.${provider}.wasm-base64.mjs")`,
    '    return await decodeBase64AsWasm(wasm)',
    '  }',
  ].join('\n');
const FILE_LOADER = [
  '  // Rewritten by scripts/prisma-wasm-file.mjs: the same Wasm, read from a file instead of decoded from base64.',
  '  getQueryCompilerWasmModule: async () => {',
  "    const { readFile } = await import('node:fs/promises')",
  "    return new WebAssembly.Module(await readFile(new URL('./query_compiler_bg.wasm', import.meta.url)))",
  '  }',
].join('\n');

for (const provider of ['sqlite', 'postgresql']) {
  const internal = path.join(root, 'core', 'db', 'generated', provider, 'internal');
  const classFile = path.join(internal, 'class.ts');
  const source = readFileSync(classFile, 'utf8');
  const base64Module = require.resolve(`@prisma/client/runtime/query_compiler_bg.${provider}.wasm-base64.mjs`);
  const { wasm } = await import(pathToFileURL(base64Module).href);
  writeFileSync(path.join(internal, 'query_compiler_bg.wasm'), Buffer.from(wasm, 'base64'));
  if (source.includes(FILE_LOADER)) continue;
  if (!source.includes(generatedLoader(provider))) {
    console.warn(
      `prisma-wasm-file: the ${provider} client's query compiler loader is not the one this step knows ` +
        '(a Prisma upgrade?); it is left as generated, which works but starts slower.',
    );
    continue;
  }
  writeFileSync(classFile, source.replace(generatedLoader(provider), FILE_LOADER));
}
