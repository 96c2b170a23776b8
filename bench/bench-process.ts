/**
 * What the benchmarks that measure a process of their own share: its peak memory, and the protocol
 * between a measuring parent and a child that runs the real server (`--serve <dataDir>`).
 */
import type { fork } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';

/**
 * This process's peak resident memory in MB. On Linux, getrusage's maxRSS survives exec, so a child
 * forked from a large parent would report the parent's peak; VmHWM in /proc belongs to the new address
 * space alone (and can be reset, see {@link resetPeakRss}). Elsewhere, maxRSS is the best there is.
 */
export async function peakRssMb(): Promise<number> {
  try {
    const status = await readFile('/proc/self/status', 'utf8');
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    if (match) return Number(match[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

/** Linux: writing 5 to clear_refs resets VmHWM to the current RSS, so the peak counts from now on. */
export async function resetPeakRss(): Promise<void> {
  await writeFile('/proc/self/clear_refs', '5').catch(() => undefined);
}

/**
 * In the server child: when the parent sends `stop`, report the peak memory, stop the server
 * gracefully and exit.
 */
export function stopWhenAsked(running: { stop(): Promise<void> }): void {
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'stop') return;
    void (async () => {
      const peak = await peakRssMb();
      await running.stop();
      process.send!({ type: 'stopped', peakRssMb: peak }, () => process.exit(0));
    })();
  });
}

/** In the parent: the child's next message of this type (rejected if the child exits first). */
export function message<T>(child: ReturnType<typeof fork>, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string } & T) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
  });
}

/** The benchmark's entry: `--serve <dataDir>` runs the server child, anything else the parent. */
export function runBench(parts: { main: () => Promise<void>; serve: (dataDir: string) => Promise<void> }): void {
  const run = process.argv[2] === '--serve' ? parts.serve(process.argv[3]!) : parts.main();
  run.catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

/**
 * Starts the product's server in this (child) process on a free loopback port, with the settings
 * every bench server shares (silent, no upload rate limit to speak of, no background jobs) plus `env`.
 */
export async function startBenchServer(dataDir: string, env: Record<string, string>) {
  const { loadConfig } = await import('../core/config.js');
  const { createRunningServer } = await import('../cli/server.js');
  const config = loadConfig(
    { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', UPLOAD_RATE_LIMIT: '1000/1h', ...env },
    dataDir,
  );
  const running = await createRunningServer(config, { analyticsJobs: false });
  const port = (running.server.address() as { port: number }).port;
  return { config, running, port, base: `http://127.0.0.1:${port}` };
}
