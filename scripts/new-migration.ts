// Usage: npm run migration:new <name>
// Rewrites prisma/{sqlite,postgresql}/schema.prisma from prisma/models.prisma, then writes the next
// migration for BOTH providers by diffing each provider's snapshot (the schema its last migration
// reached: prisma/<provider>/migrations/.snapshot.prisma) against the new schema. Needs no database.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  PROVIDERS,
  diffSchemas,
  isEmptyMigration,
  migrationsDir,
  renderSchema,
  schemaFile,
  snapshotFile,
  type Provider,
} from '../prisma/schema-source.js';

const rawName = process.argv[2];
if (!rawName) {
  console.error('Usage: npm run migration:new <name>   (for example: npm run migration:new add_gallery_locale)');
  process.exit(2);
}
const name = rawName
  .toLowerCase()
  .replace(/[^a-z0-9]+/g, '_')
  .replace(/^_+|_+$/g, '');
if (!name) {
  console.error(`Migration name "${rawName}" has no letters or digits.`);
  process.exit(2);
}

// One timestamp for both providers, so their folders pair up by name.
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const folder = `${stamp}_${name}`;

for (const provider of PROVIDERS) {
  writeFileSync(schemaFile(provider), renderSchema(provider));
}

const pending = new Map<Provider, string>();
for (const provider of PROVIDERS) {
  const snapshot = snapshotFile(provider);
  const sql = diffSchemas(existsSync(snapshot) ? snapshot : null, schemaFile(provider));
  pending.set(provider, sql);
}

if ([...pending.values()].every(isEmptyMigration)) {
  for (const provider of PROVIDERS) {
    mkdirSync(migrationsDir(provider), { recursive: true });
    writeFileSync(snapshotFile(provider), readFileSync(schemaFile(provider), 'utf8'));
  }
  console.log('Schemas rewritten; the model change needs no SQL, so no migration was written.');
  process.exit(0);
}

for (const provider of PROVIDERS) {
  const dir = path.join(migrationsDir(provider), folder);
  mkdirSync(dir, { recursive: true });
  const sql = pending.get(provider) ?? '';
  // Written even when empty for one provider, so both folders keep the same list of names.
  writeFileSync(path.join(dir, 'migration.sql'), isEmptyMigration(sql) ? '-- No change for this provider.\n' : sql);
  writeFileSync(snapshotFile(provider), readFileSync(schemaFile(provider), 'utf8'));
  console.log(`wrote ${path.relative(process.cwd(), path.join(dir, 'migration.sql'))}`);
}
console.log('Review both migration.sql files before committing; applied migrations must never be edited.');
