import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.js';
import { createLogger } from '../logger.js';
import type { EnrichSettings } from './visit-enricher.js';
import type { VisitBatch } from './visit-repository.js';
import { createVisitWriter } from './visit-writer.js';
import type { WriterReply, WriterRequest } from './visit-writer-thread.js';

const { database, logLevel, enrich } = workerData as {
  database: Config['database'];
  logLevel: string;
  enrich: EnrichSettings;
};
const writer = createVisitWriter(database, createLogger(logLevel), enrich);
const port = parentPort!;

port.on('message', async (request: WriterRequest) => {
  if (request.type === 'close') {
    await writer.close().catch(() => undefined);
    port.close();
    return;
  }
  let reply: WriterReply;
  try {
    await writer.write(request.batch as VisitBatch);
    reply = { id: request.id };
  } catch (error) {
    const { message, code, name } = error as { message?: unknown; code?: unknown; name?: unknown };
    reply = {
      id: request.id,
      error: {
        message: String(message ?? error),
        code: typeof code === 'string' ? code : undefined,
        name: typeof name === 'string' ? name : undefined,
      },
    };
  }
  port.postMessage(reply);
});
