import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebApp } from '../../gallery-web/web-app.js';
import { capturedLogger } from '../bots/captured-logs.js';
import { freePort, startTestCore } from '../helpers/test-core.js';
import { OWNER, startWeb, type WebHarness } from '../web/web-harness.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let harness: WebHarness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

async function dashboardSession(web: WebHarness): Promise<string> {
  const { cookie } = web.core.analytics.tokens.newSession(OWNER, web.core.clock.now());
  return `maiimg_dash=${encodeURIComponent(cookie)}`;
}

describe('bad dashboard input', () => {
  it('answers 400, not 500, to a page number like 1e308', async () => {
    harness = await startWeb();
    const gallery = await harness.gallery();
    const cookie = await dashboardSession(harness);
    for (const page of ['1e308', '-1', '0', 'abc', '1.5']) {
      const response = await harness.get(`/dashboard/g/${gallery.slug}?page=${page}`, { headers: { cookie } });
      expect(response.status, page).toBe(400);
    }
    expect((await harness.get(`/dashboard/g/${gallery.slug}?page=1`, { headers: { cookie } })).status).toBe(200);
  });

  it('answers 400 to a CSV export from a day that does not exist, before sending any CSV', async () => {
    harness = await startWeb();
    const gallery = await harness.gallery();
    const cookie = await dashboardSession(harness);
    for (const from of ['2026-99-99', '2026-02-30', '2026-13-01']) {
      const response = await harness.get(`/dashboard/g/${gallery.slug}/visits.csv?from=${from}`, {
        headers: { cookie },
      });
      expect(response.status, from).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    }
    const ok = await harness.get(`/dashboard/g/${gallery.slug}/visits.csv?from=2026-02-28`, { headers: { cookie } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('at_utc,kind');
  });
});

describe('proxy trust', () => {
  async function warningsFor(env: Record<string, string>): Promise<string[]> {
    const logs = capturedLogger('warn');
    const test = await startTestCore(env, { logger: logs.logger });
    try {
      createWebApp({ core: test.core, config: test.config });
      return logs.messages().filter((message) => message.includes('TRUST_PROXY'));
    } finally {
      await test.cleanup();
    }
  }

  it('warns at start when proxies are trusted by count while listening on every interface', async () => {
    expect(await warningsFor({ TRUST_PROXY: '1', HOST: '0.0.0.0' })).toHaveLength(1);
    expect(await warningsFor({ TRUST_PROXY: 'true', HOST: '::' })).toHaveLength(1);
  });

  it('stays quiet when trusting by address, or when only loopback can reach the port', async () => {
    expect(await warningsFor({ TRUST_PROXY: 'loopback', HOST: '0.0.0.0' })).toEqual([]);
    expect(await warningsFor({ TRUST_PROXY: '10.0.0.0/8', HOST: '0.0.0.0' })).toEqual([]);
    expect(await warningsFor({ TRUST_PROXY: '1', HOST: '127.0.0.1' })).toEqual([]);
    expect(await warningsFor({ HOST: '0.0.0.0' })).toEqual([]);
  });
});

describe('port in use at start', () => {
  it('exits non-zero with one clear sentence instead of running without its port', async () => {
    const port = await freePort();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-port-'));
    try {
      const child = spawn(process.execPath, [path.join(REPO, 'bin/maiimg.js'), 'serve'], {
        cwd: REPO,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          HOST: '127.0.0.1',
          PORT: String(port),
          DATA_DIR: dir,
          LOG_LEVEL: 'silent',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(1);
      const lines = stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/port 127\.0\.0\.1:\d+ is already in use/);
    } finally {
      squatter.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
