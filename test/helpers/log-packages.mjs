// `node --import <this file>`: reports on stderr every package (under node_modules) the process
// loads, one `loaded-package <name>` line each, so a test can tell what a command imported.
// Packages loaded with import() or `import` are reported as they resolve; those loaded with require()
// (CommonJS, which these hooks do not see on Node 20) are reported from the require cache at exit.
import { writeSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const PACKAGE = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//;

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      import { writeSync } from 'node:fs';
      const seen = new Set();
      export async function resolve(specifier, context, next) {
        const result = await next(specifier, context);
        const match = ${PACKAGE}.exec(result.url);
        if (match && !seen.has(match[1])) {
          seen.add(match[1]);
          writeSync(2, 'loaded-package ' + match[1] + '\\n');
        }
        return result;
      }
    `),
);

const requireCache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  const required = new Set(Object.keys(requireCache).map((file) => PACKAGE.exec(file)?.[1]));
  for (const name of required) if (name) writeSync(2, `loaded-package ${name}\n`);
});
