import { execFile } from 'node:child_process';
import path from 'node:path';

/** The CLI from source, as `maiimg` (see scripts/maiimg-source.mjs). */
const BIN = path.resolve('scripts/maiimg-source.mjs');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `maiimg <args>` as a person would, as `user`, and collects its exit code and output. */
export function runMaiimg(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; user: string },
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: options.cwd, env: { ...options.env, MAIIMG_CLI_USER: options.user }, maxBuffer: 10 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
