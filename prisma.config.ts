// Prisma CLI settings. The JS (Wasm) schema engine is selected so no command downloads a native
// engine (this project's machines cannot reach Prisma's servers). Every script passes --schema for
// the provider it works on; migrations are authored with `migrate diff` and applied by
// core/db/migrator.ts, so the adapter below is only a placeholder the CLI requires.
import { PrismaLibSQL } from '@prisma/adapter-libsql';
import { defineConfig } from 'prisma/config';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/sqlite/schema.prisma',
  async adapter() {
    return new PrismaLibSQL({ url: ':memory:' });
  },
});
