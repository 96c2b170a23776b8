// After `npm prune --omit=dev` (Dockerfile and scripts/smoke-production.sh): removes what the prune
// keeps but the product never runs. @prisma/client names the Prisma CLI and TypeScript as optional
// peer dependencies, so npm keeps them, and everything they depend on (effect, fast-check, c12,
// jiti, Prisma's engines fetcher, ...: 38 MB in the image), through a prune. The lockfile marks
// exactly those packages `devOptional`: needed by a development dependency or an optional peer,
// never by a runtime dependency. The product applies migrations with its own runner, so it needs
// neither tool. Run from the project folder, after the prune.
import { readFileSync, rmSync } from 'node:fs';

const { packages } = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const removed = [];
for (const [where, entry] of Object.entries(packages)) {
  if (!entry.devOptional || !where.startsWith('node_modules/')) continue;
  rmSync(where, { recursive: true, force: true });
  removed.push(where.slice('node_modules/'.length));
}
for (const bin of ['prisma', 'tsc', 'tsserver']) rmSync(`node_modules/.bin/${bin}`, { force: true });
console.log(`remove-dev-tools: removed ${removed.length} packages the product never runs (${removed.join(', ')})`);
