// Prisma CLI settings. The JS (Wasm) schema engine is selected so no command downloads a native
// engine (this project's machines cannot reach Prisma's servers). Every script passes --schema for
// the provider it works on; migrations are authored with `migrate diff` and applied by
// core/db/migrator.ts, so the adapter below is only a placeholder the CLI requires.
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { defineConfig } from 'prisma/config';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/sqlite/schema.prisma',
  async adapter() {
    return new PrismaBetterSQLite3({ url: ':memory:' });
  },
});
