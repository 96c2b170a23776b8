import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../core/config.js';
import { openCore, type Core, type OpenCoreOptions } from '../../core/core-app.js';

export interface TestCore {
  core: Core;
  config: Config;
  dir: string;
  cleanup(): Promise<void>;
}

/** A real core on a fresh SQLite file and local store in a temp folder. `env` adds or overrides variables. */
export async function startTestCore(
  env: Record<string, string> = {},
  options: OpenCoreOptions = {},
): Promise<TestCore> {
  const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-test-'));
  const config = testConfig(dir, env);
  const core = await openCore(config, { logLevel: 'silent', ...options });
  return {
    core,
    config,
    dir,
    async cleanup() {
      await core.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The configuration a test process would parse: everything under `dir`, port 0 (any free port). */
export function testConfig(dir: string, env: Record<string, string> = {}): Config {
  return loadConfig(
    { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'silent', DEFAULT_LOCALE: 'en', ...env },
    dir,
  );
}

/** A free TCP port on 127.0.0.1 (so PUBLIC_BASE_URL can name it before the server starts). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
