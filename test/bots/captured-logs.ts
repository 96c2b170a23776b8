import { createLogger } from '../../core/logger.js';

/**
 * The process's real pino logger, writing into memory instead of stdout, so a test can check that
 * a failure was logged (and not thrown into the platform SDK or the process).
 */
export function capturedLogger(level = 'warn') {
  const lines: Array<Record<string, unknown> & { msg?: string; level: number }> = [];
  const logger = createLogger(level, {
    write(line: string) {
      lines.push(JSON.parse(line) as (typeof lines)[number]);
    },
  });
  return {
    logger,
    lines,
    /** The `msg` of every line logged so far. */
    messages: () => lines.map((line) => String(line.msg ?? '')),
  };
}
