#!/usr/bin/env node
// Runs the compiled product (dist/, written by `npm run build`, which `npm install` runs).
// Development and tests run the TypeScript source instead: scripts/maiimg-source.mjs.
import { spawn } from 'node:child_process';
import module from 'node:module';
import { constants } from 'node:os';
import v8 from 'node:v8';

/** The command asked for: the first argument that is not an option (`maiimg --json list` is `list`). */
const command = process.argv.slice(2).find((arg) => !arg.startsWith('-'));

/**
 * glibc gives every thread that allocates its own malloc arena (up to eight per core) and keeps what
 * was freed in each; with libvips' threads decoding large images the server held some 150 MB more at
 * its peak (bench:mixed: 840 MB against 680 MB with two arenas). glibc reads MALLOC_ARENA_MAX when the
 * process starts, so `serve` starts itself once more with it set, unless it is set already (the
 * Dockerfile sets it). Other commands are short-lived and do not pay for a second start.
 */
const SERVE_ARENAS = '2';
if (command === 'serve' && process.platform === 'linux' && process.env.MALLOC_ARENA_MAX === undefined) {
  // The IPC channel is how the server learns that this process is gone, even when it was killed
  // outright (SIGKILL cannot be forwarded): the channel closes and the server stops gracefully.
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, MALLOC_ARENA_MAX: SERVE_ARENAS },
  });
  // A stop asked of this process is the server's to do (it ignores a repeated signal while it stops).
  process.on('SIGINT', () => child.kill('SIGINT'));
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  process.on('SIGHUP', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    process.exit(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1));
  });
} else {
  await run();
}

async function run() {
  // Node 22.1 and later keep the compiled code of the modules a command loads on disk (in the system's
  // temp folder), so the next command starts without compiling them again. Node 20 has no such cache.
  module.enableCompileCache?.();
  // `serve` runs the compiled modules in dist/. Every other command runs from dist/cli-bundle/, the
  // same code bundled into a few files so that it starts faster (scripts/bundle-cli.mjs says why).
  const entry = command === 'serve' ? '../dist/cli/run.js' : '../dist/cli-bundle/run.js';
  if (command !== 'serve') {
    // Prisma's query compiler is WebAssembly. V8 compiles it with its baseline compiler (Liftoff),
    // then recompiles its busiest functions with TurboFan on background threads, and a process that
    // ends waits for that work: 80 ms of a `maiimg list` that takes 480 ms in all, measured here.
    // A command runs a few queries, so the baseline code is all it needs. `serve` keeps TurboFan.
    v8.setFlagsFromString('--liftoff-only');
  }
  try {
    await import(entry);
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes(entry.slice(3))) {
      console.error('maiimg is not built yet: run `npm run build` (npm install does it) in its folder.');
      process.exit(1);
    }
    throw error;
  }
}
