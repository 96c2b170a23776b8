// Entry of the visit writer's worker thread when run from the TypeScript source (tests, development;
// the compiled product starts dist/core/visits/visit-writer-thread-worker.js directly). Worker threads
// start without the TypeScript loader of the main thread, so it is registered here first.
import { register } from 'tsx/esm/api';

register();
await import('./visit-writer-thread-worker.ts');
