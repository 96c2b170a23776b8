// `node --import <this file>`: reports on stderr every package (under node_modules) the process
// loads, one `loaded-package <name>` line each, so a test can tell what a command imported.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      import { writeSync } from 'node:fs';
      const seen = new Set();
      export async function resolve(specifier, context, next) {
        const result = await next(specifier, context);
        const match = /\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(result.url);
        if (match && !seen.has(match[1])) {
          seen.add(match[1]);
          writeSync(2, 'loaded-package ' + match[1] + '\\n');
        }
        return result;
      }
    `),
);
