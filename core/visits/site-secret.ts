import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where the generated secret is kept when SESSION_SECRET is not set. */
export function siteSecretFile(dataDir: string): string {
  return path.join(dataDir, 'session-secret');
}

/**
 * The secret that signs the web site's cookies and salts visitor keys: SESSION_SECRET when set;
 * otherwise one generated at first start and kept under DATA_DIR, so a restart keeps cookies valid.
 * Several instances behind one address must share SESSION_SECRET (each would generate its own).
 */
export function resolveSiteSecret(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = siteSecretFile(dataDir);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  try {
    // 'wx': when two processes start at once, the first one's secret wins and the other reads it.
    writeFileSync(file, randomBytes(32).toString('base64url') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
}
