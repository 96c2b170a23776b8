import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunningServer, type RunningServer } from '../../cli/server.js';
import { ConfigError, loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { testConfig } from '../helpers/test-core.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function serve(env: Record<string, string> = {}): Promise<RunningServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-ops-'));
  const running = await createRunningServer(testConfig(dir, env), { processMetrics: false });
  cleanups.push(async () => {
    await running.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return running;
}

describe('health, readiness and metrics', () => {
  it('answers /healthz and /readyz, and serves Prometheus metrics', async () => {
    const { url } = await serve({ METRICS_TOKEN: 'scrape-me-please' });
    expect(await (await fetch(`${url}/healthz`)).text()).toBe('ok');
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    await fetch(`${url}/g/AAAAAAAAAAAAAAAAAAAAAA`);
    const metrics = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer scrape-me-please' } });
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toContain('maiimg_info{role="all",database="sqlite",shared_state="memory",storage="local"} 1');
    expect(text).toContain('# TYPE maiimg_batches_total counter');
    expect(text).toContain('# TYPE maiimg_visits_total counter');
    expect(text).toContain('# TYPE maiimg_previews_total counter');
    // The route pattern, never the slug itself, labels the request.
    expect(text).toMatch(
      /maiimg_http_request_duration_seconds_count\{method="GET",route="\/g\/:slug",status="404"\} 1/,
    );
    expect(text).not.toContain('AAAAAAAAAAAAAAAAAAAAAA');
  });

  it('does not serve /metrics at all without METRICS_TOKEN', async () => {
    const { url } = await serve();
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('maiimg_info');
  });

  it('asks for the bearer token when METRICS_TOKEN is set', async () => {
    const { url } = await serve({ METRICS_TOKEN: 'scrape-me-please' });
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer scrape-me-please' } })).status).toBe(200);
  });

  it('is not ready while the shared state cannot be reached, though still alive', async () => {
    // Nothing listens on port 1.
    const { url } = await serve({ REDIS_URL: 'redis://127.0.0.1:1' });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
  });

  it('starts no bot in a ROLE=web process, even with a token set', async () => {
    const running = await serve({ ROLE: 'web', TELEGRAM_BOT_TOKEN: '123456789:AAtest-token_for-nothing-0000000000' });
    expect(running.bots).toEqual([]);
  });
});

describe('choosing the shared state', () => {
  const base = { DATA_DIR: '/tmp/maiimg-x' };
  it('keeps it in memory for the embedded default, in PostgreSQL once scaled out, in Redis when given', () => {
    expect(loadConfig(base).sharedState.driver).toBe('memory');
    expect(loadConfig({ ...base, DATABASE_URL: 'postgresql://u@h/db' }).sharedState.driver).toBe('database');
    expect(
      loadConfig({ ...base, DATABASE_URL: 'postgresql://u@h/db', REDIS_URL: 'redis://127.0.0.1:6379' }).sharedState
        .driver,
    ).toBe('redis');
    expect(loadConfig({ ...base, SHARED_STATE: 'database' }).sharedState.driver).toBe('database');
  });

  it("reads secrets from <NAME>_FILE for its own variables and leaves other programs' *_FILE alone", () => {
    // A machine's environment often has such variables (TF_CLI_CONFIG_FILE, SSL_CERT_FILE): a missing file there must not stop the start.
    expect(() =>
      loadConfig({ ...base, TF_CLI_CONFIG_FILE: '/nonexistent/terraformrc', SSL_CERT_FILE: '/nonexistent/ca.pem' }),
    ).not.toThrow();
    expect(() => loadConfig({ ...base, REDIS_URL_FILE: '/nonexistent/redis-url' })).toThrow(
      /REDIS_URL_FILE: cannot read/,
    );
  });

  it('refuses SHARED_STATE=redis without REDIS_URL, and a REDIS_URL that is not one', () => {
    expect(() => loadConfig({ ...base, SHARED_STATE: 'redis' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(/REDIS_URL/);
  });
});

describe('log redaction', () => {
  it('masks tokens, passwords in URLs and SDK request headers', () => {
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({ write: (chunk, _encoding, done) => void (lines.push(String(chunk)), done()) }),
    );
    const slackError = Object.assign(new Error('An API error occurred: invalid_auth'), {
      config: { headers: { Authorization: 'Bearer xoxb-1111-2222-secret' } },
    });
    logger.info(
      {
        token: 'plain-token-value',
        url: 'https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe',
        err: new Error('connect failed: postgres://maiimg:db-password-1@db:5432/maiimg'),
        slack: { error: { config: { headers: { Authorization: 'Bearer xoxb-3333-4444-secret' } } } },
        request: { headers: { cookie: 'g_abc=signed-cookie', 'x-telegram-bot-api-secret-token': 'webhook-secret-1' } },
        config: { sessionSecret: 'session-secret-1', redisUrl: 'redis://:redis-pass@cache:6379' },
      },
      'Authorization: Bot MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs failed',
    );
    logger.warn({ error: slackError }, 'slack call failed');
    const output = lines.join('');
    for (const secret of [
      'plain-token-value',
      'AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw',
      'db-password-1',
      'xoxb-1111-2222-secret',
      'xoxb-3333-4444-secret',
      'signed-cookie',
      'webhook-secret-1',
      'session-secret-1',
      'redis-pass',
      'ZnCjm1XVW7vRze4b7Cq4se7kKWs',
    ]) {
      expect(output, secret).not.toContain(secret);
    }
    // What is useful stays.
    expect(output).toContain('api.telegram.org');
    expect(output).toContain('invalid_auth');
  });
});
