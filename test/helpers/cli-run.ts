import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';

/**
 * Which `maiimg`: the TypeScript source (scripts/maiimg-source.mjs, what most tests run, so they never
 * run a stale build) or the shipped bin, bin/maiimg.js, which runs the build in dist/ (`npm test`
 * builds it first).
 */
export type CliBuild = 'source' | 'built';
const BINS: Record<CliBuild, string> = {
  source: path.resolve('scripts/maiimg-source.mjs'),
  built: path.resolve('bin/maiimg.js'),
};

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `maiimg <args>` as a person would, as `user`, and collects its exit code and output. */
export function runMaiimg(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; user: string; build?: CliBuild; node?: string[] },
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...(options.node ?? []), BINS[options.build ?? 'source'], ...args],
      { cwd: options.cwd, env: { ...options.env, MAIIMG_CLI_USER: options.user }, maxBuffer: 10 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A CLI test file's own folder and data directory, and `maiimg` run in it. */
export interface CliSandbox {
  dir: string;
  env: NodeJS.ProcessEnv;
  maiimg(args: string[], user?: string): Promise<CliRun>;
  /** `maiimg <args> --json`, which must exit 0: its output, parsed. */
  json<T = Record<string, unknown>>(args: string[], user?: string): Promise<T>;
  remove(): Promise<void>;
}

export async function cliSandbox(prefix: string, build: CliBuild = 'source'): Promise<CliSandbox> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    DATA_DIR: path.join(dir, 'data'),
    PUBLIC_BASE_URL: 'https://gallery.example',
    LOG_LEVEL: 'silent',
  };
  const maiimg = (args: string[], user = 'alice') => runMaiimg(args, { cwd: dir, env, user, build });
  return {
    dir,
    env,
    maiimg,
    async json<T = Record<string, unknown>>(args: string[], user?: string): Promise<T> {
      const run = await maiimg([...args, '--json'], user);
      expect(run.code, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as T;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
