import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { openSqlite } from '../../core/db/sqlite-driver.js';
import { cookiesOf, type WebHarness } from './web-harness.js';

export interface UploadFile {
  name: string;
  data: Buffer;
  type?: string;
}

/** What the upload page hands a browser: its nonce cookie and the CSRF token that goes with it. */
export interface UploadSession {
  cookie: string;
  csrf: string;
}

export async function openUploadPage(
  web: WebHarness,
  headers: Record<string, string> = {},
): Promise<UploadSession & { page: string }> {
  const response = await web.get('/', { headers });
  const page = await response.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  if (response.status !== 200 || !csrf) throw new Error(`no upload form at / (status ${response.status})`);
  return { cookie: cookiesOf(response), csrf, page };
}

export interface PostOptions {
  session?: UploadSession;
  fields?: Record<string, string>;
  headers?: Record<string, string>;
  /** Put the token in a form field instead of the header, as a form without JavaScript does. */
  tokenInField?: boolean;
}

/** POST /upload the way upload.js does: fields first, then the files, asking for JSON. */
export async function postUpload(web: WebHarness, files: UploadFile[], options: PostOptions = {}): Promise<Response> {
  const session = options.session ?? (await openUploadPage(web));
  const form = new FormData();
  if (options.tokenInField) form.append('_csrf', session.csrf);
  for (const [name, value] of Object.entries(options.fields ?? {})) form.append(name, value);
  for (const file of files)
    form.append(
      'files',
      new Blob([new Uint8Array(file.data)], { type: file.type ?? 'application/octet-stream' }),
      file.name,
    );
  const headers: Record<string, string> = {
    accept: 'application/json',
    origin: web.base,
    cookie: session.cookie,
    ...options.headers,
  };
  if (!options.tokenInField) headers['x-csrf-token'] = session.csrf;
  return web.get('/upload', { method: 'POST', body: form, headers });
}

/** Everything under a folder, recursively (files only), relative to it. */
export async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** What an upload may leave on disk: stored blobs and spooled parts. */
export function uploadTraces(web: WebHarness) {
  const storage = web.test.config.storage;
  const blobDir = storage.driver === 'local' ? storage.dir : '';
  return {
    blobs: () => filesUnder(blobDir),
    spool: () => filesUnder(path.join(web.test.config.dataDir, 'tmp', 'uploads')),
  };
}

/** Gallery rows as stored, read straight from the SQLite file (web galleries have no owner a test could list by). */
export function galleryRows(web: WebHarness): Array<{ slug: string; owner_platform: string; owner_user_id: string }> {
  const database = web.test.config.database;
  if (database.provider !== 'sqlite') throw new Error('galleryRows reads the SQLite file');
  const db = openSqlite(database.file);
  try {
    return db.prepare('SELECT slug, owner_platform, owner_user_id FROM galleries').all() as Array<{
      slug: string;
      owner_platform: string;
      owner_user_id: string;
    }>;
  } finally {
    db.close();
  }
}
