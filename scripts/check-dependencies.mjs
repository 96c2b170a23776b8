// `npm run check:dependencies` (part of `npm test`): the `dependencies` of package.json are exactly
// what the product imports at run time. A production install (`npm ci --omit=dev`) has nothing else,
// so a package the runtime code imports must be listed there, and a package listed there that
// nothing imports only makes that install bigger (it belongs in devDependencies, or nowhere).
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The code that runs in production: the compiled TypeScript of these folders, and these scripts. */
const RUNTIME_DIRS = ['bots', 'cli', 'core', 'gallery-web'];
const RUNTIME_FILES = ['bin/maiimg.js', 'scripts/install-steps.mjs'];

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const dependencies = new Set(Object.keys(pkg.dependencies ?? {}));
const builtins = new Set(builtinModules);

function* typeScriptFiles(dir) {
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* typeScriptFiles(relative);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield relative;
  }
}

// Statements that load a module at run time. `import type` / `export type` are erased by the
// compiler, and so are imports whose every name is marked `type`.
const PATTERNS = [
  /^\s*import\s+(?!type\b)([^'";]*?)\s*from\s*['"]([^'"]+)['"]/gm,
  /^\s*import\s*['"]([^'"]+)['"]/gm,
  /^\s*export\s+(?!type\b)[^'";]*?\s+from\s*['"]([^'"]+)['"]/gm,
  /\bimport\(\s*['"`]([^'"`$]+)/g,
  /\brequire\(\s*['"`]([^'"`$]+)/g,
  /\bcreateRequire\([^)]*\)\(\s*['"`]([^'"`$]+)/g,
];

function specifiers(source) {
  const found = [];
  for (const pattern of PATTERNS) {
    for (const match of source.matchAll(pattern)) {
      if (match.length === 3) {
        const clause = match[1].trim();
        const allTypes =
          /^\{[^}]*\}$/.test(clause) &&
          clause
            .slice(1, -1)
            .split(',')
            .every((name) => /^\s*(type\s|$)/.test(name));
        if (allTypes) continue;
        found.push(match[2]);
      } else found.push(match[1]);
    }
  }
  return found;
}

function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('#')) return null;
  if (specifier.startsWith('node:') || builtins.has(specifier.split('/')[0])) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const files = [...RUNTIME_DIRS.flatMap((dir) => [...typeScriptFiles(dir)]), ...RUNTIME_FILES];
const imported = new Map();
for (const file of files) {
  for (const specifier of specifiers(readFileSync(path.join(root, file), 'utf8'))) {
    const name = packageOf(specifier);
    if (name && !imported.has(name)) imported.set(name, file);
  }
}

const problems = [];
for (const [name, file] of imported) {
  if (!dependencies.has(name)) problems.push(`${name} is imported by ${file} but is not in "dependencies"`);
}
for (const name of dependencies) {
  if (!imported.has(name)) problems.push(`${name} is in "dependencies" but no runtime code imports it`);
}
if (problems.length) {
  console.error(`check-dependencies: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-dependencies: ${dependencies.size} runtime dependencies, each imported by runtime code`);
