// The process entry the `maiimg` bin loads (compiled to dist/cli/run.js).
import { main } from './entry.js';

await main();
