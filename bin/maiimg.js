#!/usr/bin/env node
// The source is TypeScript run through tsx, so `npx maiimg` works straight after `npm install`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/entry.ts');
await main();
