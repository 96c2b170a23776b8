// Entry of the visit writer's worker thread (see visit-writer-thread.ts). Worker threads start
// without the TypeScript loader of the main thread, so it is registered here first, as bin/maiimg.js does.
import { register } from 'tsx/esm/api';

register();
await import('./visit-writer-thread-worker.ts');
