import { MaiimgError, isMaiimgError } from '../errors.js';

// Node socket errors, PostgreSQL SQLSTATE classes 08 (connection exception), 53 (insufficient
// resources) and 57P (operator intervention), and SQLite's "could not get at the file" codes.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_READONLY',
]);

// Prisma's own codes for "could not talk to the database" (P1xxx) and pool timeouts (P2024).
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1011', 'P1017', 'P2024']);

// Driver-adapter error kinds (@prisma/driver-adapter-utils) that mean the same thing.
const UNAVAILABLE_ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TlsConnectionError',
  'TooManyConnections',
  'DatabaseDoesNotExist',
  'DatabaseAccessDenied',
  'AuthenticationFailed',
]);

const UNAVAILABLE_MESSAGES = [
  /can't reach database server/i,
  /connection terminated/i,
  /server closed the connection/i,
  /database is locked/i,
  /unable to open database file/i,
  /timeout exceeded when trying to connect/i,
];

/** True when the error (or anything in its cause chain) says the database could not be used at all. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const record = current as Record<string, unknown>;
    const name = typeof record.name === 'string' ? record.name : '';
    if (name === 'PrismaClientInitializationError' || name === 'PrismaClientRustPanicError') return true;
    const code = record.code ?? record.errorCode;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_PRISMA_CODES.has(code))) return true;
    const kind = (record.cause as Record<string, unknown> | undefined)?.kind ?? record.kind;
    if (typeof kind === 'string' && UNAVAILABLE_ADAPTER_KINDS.has(kind)) return true;
    if (Array.isArray(record.errors) && record.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    const message = typeof record.message === 'string' ? record.message : '';
    if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
    current = record.cause;
  }
  return false;
}

/** Rethrows connection-level failures as DATABASE_UNAVAILABLE; everything else unchanged. */
export function toDatabaseError(error: unknown): unknown {
  if (isMaiimgError(error)) return error;
  if (isDatabaseUnavailable(error)) return new MaiimgError('DATABASE_UNAVAILABLE', {}, { cause: error });
  return error;
}
