import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * scripts/prisma-wasm-file.mjs (the last step of `npm run generate`) makes the generated Prisma
 * clients read their query compiler from a .wasm file instead of decoding Prisma's base64 module.
 * If a Prisma upgrade changes the generated loader, that step leaves it alone; this test notices.
 */
const require = createRequire(import.meta.url);

describe.each(['sqlite', 'postgresql'] as const)('the %s client loads its query compiler from a file', (provider) => {
  const internal = path.resolve('core/db/generated', provider, 'internal');

  it('reads query_compiler_bg.wasm beside it, not the base64 module', async () => {
    const source = await readFile(path.join(internal, 'class.ts'), 'utf8');
    expect(source).toContain("new URL('./query_compiler_bg.wasm', import.meta.url)");
    expect(source).not.toContain('wasm-base64');
  });

  it('holds the same bytes as the installed @prisma/client', async () => {
    const base64Module = require.resolve(`@prisma/client/runtime/query_compiler_bg.${provider}.wasm-base64.mjs`);
    const { wasm } = (await import(pathToFileURL(base64Module).href)) as { wasm: string };
    const file = await readFile(path.join(internal, 'query_compiler_bg.wasm'));
    expect(file.equals(Buffer.from(wasm, 'base64'))).toBe(true);
  });
});
