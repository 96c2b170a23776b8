/**
 * Renders the per-provider Prisma schemas from the one model source (prisma/models.prisma).
 * A schema has exactly one datasource provider, so SQLite and PostgreSQL each get a schema file;
 * generating both from the same text is what keeps them from drifting apart.
 * Used by scripts/new-migration.ts (writes them) and scripts/check-migrations.ts (compares).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROVIDERS = ['sqlite', 'postgresql'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const prismaDir = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.dirname(prismaDir);
export const modelsFile = path.join(prismaDir, 'models.prisma');

export const schemaFile = (provider: Provider): string => path.join(prismaDir, provider, 'schema.prisma');
export const migrationsDir = (provider: Provider): string => path.join(prismaDir, provider, 'migrations');
/** The schema the newest checked-in migration reaches: the "from" side of the next migration's diff. */
export const snapshotFile = (provider: Provider): string => path.join(migrationsDir(provider), '.snapshot.prisma');

const PLACEHOLDER_URL: Record<Provider, string> = {
  sqlite: 'file:./unused.db',
  postgresql: 'postgresql://unused@localhost:5432/unused',
};

export function renderSchema(provider: Provider, models: string = readFileSync(modelsFile, 'utf8')): string {
  return `// GENERATED from prisma/models.prisma by \`npm run migration:new\`: do not edit by hand.
// Edit prisma/models.prisma, then run \`npm run migration:new <name>\`.

generator client {
  provider               = "prisma-client"
  output                 = "../../core/db/generated/${provider}"
  engineType             = "client"
  runtime                = "nodejs"
  moduleFormat           = "esm"
  generatedFileExtension = "ts"
  importFileExtension    = "ts"
}

datasource db {
  provider = "${provider}"
  // Never used: connections come from a driver adapter (core/db/prisma-client-factory.ts). The CLI
  // still needs a url (without one it downloads a native engine), and a literal one, because with
  // env("DATABASE_URL") \`prisma generate\` fails when the variable is unset (as in \`npm install\`).
  url      = "${PLACEHOLDER_URL[provider]}"
}

${models.trim()}
`;
}

/** Checked-in migration folder names in the order they apply (timestamp prefix). */
export function listMigrations(provider: Provider): string[] {
  const dir = migrationsDir(provider);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort();
}

/**
 * Runs the Prisma CLI of this project (not whatever `npx` finds) and returns its stdout.
 * Throws with the CLI's output when it fails.
 */
export function runPrisma(args: string[]): string {
  const cli = path.join(
    path.dirname(createRequire(import.meta.url).resolve('prisma/package.json')),
    'build',
    'index.js',
  );
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`prisma ${args.join(' ')} failed (exit ${result.status}):\n${result.stderr}\n${result.stdout}`);
  }
  return result.stdout;
}

/** SQL that takes a database from `from` (a schema file, or nothing) to the schema file `to`. */
export function diffSchemas(from: string | null, to: string): string {
  const fromArgs = from ? ['--from-schema-datamodel', from] : ['--from-empty'];
  return runPrisma(['migrate', 'diff', ...fromArgs, '--to-schema-datamodel', to, '--script']);
}

/** True when a `migrate diff --script` output contains no statements. */
export function isEmptyMigration(sql: string): boolean {
  return sql
    .split('\n')
    .map((line) => line.trim())
    .every((line) => line === '' || line.startsWith('--'));
}
