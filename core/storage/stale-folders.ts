import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Removes the entries of `root` last changed more than `olderThanMs` before `now`: the working
 * folders a crashed or killed process left behind (upload spools, images being cleaned). Age, not
 * ownership, decides, because several processes may share one data folder: a folder still in use
 * is touched far more recently than any threshold given here. A missing root is nothing to clean.
 * Returns how many entries were removed.
 */
export async function removeStaleFolders(root: string, olderThanMs: number, now: number): Promise<number> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let removed = 0;
  for (const name of entries) {
    const entry = path.join(root, name);
    const info = await stat(entry).catch(() => null);
    if (info && now - info.mtimeMs > olderThanMs) {
      await rm(entry, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}
