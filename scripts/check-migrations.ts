// Usage: npm run check:migrations   (part of `npm test`; needs no database)
// Fails when prisma/{sqlite,postgresql}/schema.prisma drift from prisma/models.prisma, when the two
// providers' migration folders list different migrations, or when either provider's migrations do
// not reach its current schema (its snapshot, the schema the last migration was diffed to, must
// equal the schema, and `prisma migrate diff` from the snapshot to the schema must be empty).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  PROVIDERS,
  diffSchemas,
  isEmptyMigration,
  listMigrations,
  renderSchema,
  repoRoot,
  schemaFile,
  snapshotFile,
} from '../prisma/schema-source.js';

const fix = 'Run `npm run migration:new <name>` and commit what it writes.';
const problems: string[] = [];
const rel = (file: string) => path.relative(repoRoot, file);
const read = (file: string) => readFileSync(file, 'utf8').replace(/\r\n/g, '\n');

for (const provider of PROVIDERS) {
  const schema = schemaFile(provider);
  if (!existsSync(schema)) {
    problems.push(`${rel(schema)} is missing.`);
    continue;
  }
  if (read(schema) !== renderSchema(provider)) {
    problems.push(`${rel(schema)} does not match prisma/models.prisma (edited by hand, or models changed since).`);
    continue;
  }
  const migrations = listMigrations(provider);
  const snapshot = snapshotFile(provider);
  if (!migrations.length) {
    problems.push(`prisma/${provider}/migrations has no migrations.`);
    continue;
  }
  if (!existsSync(snapshot)) {
    problems.push(`${rel(snapshot)} is missing, so it is unknown which schema the migrations reach.`);
    continue;
  }
  if (read(snapshot) !== read(schema)) {
    const sql = diffSchemas(snapshot, schema);
    problems.push(
      isEmptyMigration(sql)
        ? `${rel(snapshot)} differs from ${rel(schema)} (no SQL change, but the snapshot must be refreshed).`
        : `${provider} migrations do not reach ${rel(schema)}; still missing:\n${sql.trim().replace(/^/gm, '      ')}`,
    );
  }
}

const [first, ...others] = PROVIDERS;
const reference = listMigrations(first);
for (const provider of others) {
  const names = listMigrations(provider);
  const onlyFirst = reference.filter((name) => !names.includes(name));
  const onlyOther = names.filter((name) => !reference.includes(name));
  if (onlyFirst.length || onlyOther.length) {
    problems.push(
      `Migration folders differ: only in ${first}: [${onlyFirst.join(', ')}]; only in ${provider}: [${onlyOther.join(', ')}]. ` +
        'Every migration must exist for both providers.',
    );
  }
}

if (problems.length) {
  console.error(`Database migrations are not up to date:\n${problems.map((p) => `  - ${p}`).join('\n')}\n${fix}`);
  process.exit(1);
}
console.log(`Migrations OK: ${reference.length} migration(s) per provider, both schemas match prisma/models.prisma.`);
