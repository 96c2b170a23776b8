#!/usr/bin/env node
// `maiimg` straight from the TypeScript source through tsx (a development dependency): what the tests
// spawn, so they never run a stale build. The shipped bin, bin/maiimg.js, runs the compiled dist/.
import { register } from 'tsx/esm/api';

register();
await import('../cli/run.ts');
