import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

// The shipped bin runs the compiled dist/ (`npm test` builds it first).
const BIN = path.resolve('bin/maiimg.js');

let server: ChildProcess | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function startServe(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('maiimg is running')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

/** The process `pid` runs the server in, and that process's environment. */
function serverEnvironment(pid: number): string[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  const serverPid = children.length === 1 ? Number(children[0]) : pid;
  return readFileSync(`/proc/${serverPid}/environ`, 'latin1').split('\0');
}

describe.runIf(process.platform === 'linux')('maiimg serve (the shipped bin)', () => {
  it('runs the server with two malloc arenas, and stops it gracefully on SIGTERM', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'maiimg-serve-'));
    server = await startServe({ DATA_DIR: dataDir });
    expect(serverEnvironment(server.pid!)).toContain('MALLOC_ARENA_MAX=2');
    const exited = new Promise<number | null>((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('keeps a MALLOC_ARENA_MAX the operator set', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'maiimg-serve-'));
    server = await startServe({ DATA_DIR: dataDir, MALLOC_ARENA_MAX: '4' });
    expect(serverEnvironment(server.pid!)).toContain('MALLOC_ARENA_MAX=4');
    const exited = new Promise<number | null>((resolve) => server!.once('exit', resolve));
    server.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
