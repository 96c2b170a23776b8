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

function startServe(env: Record<string, string>, output: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      output.push(chunk.toString());
      if (out.includes('maiimg is running')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

/** The process `pid` runs the server in: its one child when it started one, else itself. */
function serverProcess(pid: number): number {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return children.length === 1 ? Number(children[0]) : pid;
}

/** The environment of the process that runs the server. */
function serverEnvironment(pid: number): string[] {
  return readFileSync(`/proc/${serverProcess(pid)}/environ`, 'latin1').split('\0');
}

/** Whether `pid` still runs: an exited process that nobody has reaped yet (a zombie) does not. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
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

  it('stops the server when the process that started it is killed outright', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'maiimg-serve-'));
    const output: string[] = [];
    server = await startServe({ DATA_DIR: dataDir }, output);
    const url = /maiimg is running on (\S+)/.exec(output.join(''))![1]!;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const serverPid = serverProcess(server.pid!);
    expect(serverPid).not.toBe(server.pid);
    // SIGKILL cannot be forwarded: the server must notice on its own that its parent is gone.
    server.kill('SIGKILL');
    await expect.poll(() => running(serverPid), { timeout: 30_000 }).toBe(false);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
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
