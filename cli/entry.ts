import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runCli } from './main.js';

/**
 * Process entry: `.env` is read once here (never overriding real environment variables). dotenv is
 * only loaded when there is a `.env` in the working folder (or an encrypted one to open with
 * DOTENV_KEY): a deployment configured through its environment does not pay for it.
 */
export async function main(): Promise<void> {
  if (existsSync('.env') || process.env.DOTENV_KEY) {
    const dotenv = createRequire(import.meta.url)('dotenv') as typeof import('dotenv');
    dotenv.config({ quiet: true });
  }
  const code = await runCli(process.argv.slice(2));
  // `serve` keeps running until a signal; every other command ends here.
  // (A `serve` that could not start, its port in use for one, ends here too, with its code.)
  if (process.argv[2] !== 'serve' || code !== 0) process.exitCode = code;
}
