import { accessSync, constants, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { MaiimgError } from '../errors.js';

/** Errors that mean "this process may not write there", as opposed to a broken disk or a bad path. */
const NOT_ALLOWED = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * Makes `folder` (and its parents) if missing and checks that this process can create files in it.
 * Throws FOLDER_NOT_WRITABLE, naming the folder and the user, when it may not: a container's volume
 * owned by root while the product runs as `node` otherwise ends in libsql's bare "Failed to connect
 * to database". Other errors are rethrown unchanged.
 */
export function ensureWritableFolder(folder: string): void {
  try {
    mkdirSync(folder, { recursive: true });
    accessSync(folder, constants.W_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!code || !NOT_ALLOWED.has(code)) throw error;
    throw new MaiimgError('FOLDER_NOT_WRITABLE', { folder, user: processUser() }, { cause: error });
  }
}

/** `name (uid N)`, or just the uid where the system has no name for it (an arbitrary container uid). */
function processUser(): string {
  const uid = process.getuid?.();
  try {
    const { username } = userInfo();
    return uid === undefined ? username : `${username} (uid ${uid})`;
  } catch {
    return uid === undefined ? 'unknown' : `uid ${uid}`;
  }
}
