// What `npm install` / `npm ci` run after installing: generate the Prisma clients (postinstall), then
// compile to dist/ (prepare). Both tools are development dependencies, so an install without them
// (`npm ci --omit=dev` on a tree that was already built) skips a step whose output is already there,
// and fails plainly when it is not.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const step = process.argv[2];

function installed(name) {
  try {
    require.resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

function run(args) {
  execFileSync('npm', ['run', '--silent', ...args], { cwd: root, stdio: 'inherit' });
}

if (step === 'generate') {
  if (installed('prisma')) run(['generate']);
  else if (!existsSync(path.join(root, 'dist/core/db/generated'))) fail('the Prisma CLI (a development dependency)');
} else if (step === 'build') {
  if (installed('typescript')) run(['build']);
  else if (!existsSync(path.join(root, 'dist/cli/run.js'))) fail('TypeScript (a development dependency)');
} else {
  throw new Error(`unknown step ${step}`);
}

function fail(tool) {
  console.error(`maiimg: ${tool} is not installed and dist/ is not built: run a full \`npm ci\` first.`);
  process.exit(1);
}
