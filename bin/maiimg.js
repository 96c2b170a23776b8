#!/usr/bin/env node
// Runs the compiled product (dist/, written by `npm run build`, which `npm install` runs).
// Development and tests run the TypeScript source instead: scripts/maiimg-source.mjs.
import module from 'node:module';

// Node 22.1 and later keep the compiled code of the modules a command loads on disk (in the system's
// temp folder), so the next command starts without compiling them again. Node 20 has no such cache.
module.enableCompileCache?.();
try {
  await import('../dist/cli/run.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli/run.js')) {
    console.error('maiimg is not built yet: run `npm run build` (npm install does it) in its folder.');
    process.exit(1);
  }
  throw error;
}
