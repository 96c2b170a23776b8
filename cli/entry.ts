import { config as loadDotenv } from 'dotenv';
import { runCli } from './main.js';

/** Process entry: `.env` is read once here (never overriding real environment variables). */
export async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  const code = await runCli(process.argv.slice(2));
  // `serve` keeps running until a signal; every other command ends here.
  // (A `serve` that could not start, its port in use for one, ends here too, with its code.)
  if (process.argv[2] !== 'serve' || code !== 0) process.exitCode = code;
}
