import { MaiimgError } from '../errors.js';
import type { ByteSource } from './byte-source.js';

/** Every structural problem in an upload means the same thing to the sender: the file is damaged. */
export function corrupt(reason: string, cause?: unknown): MaiimgError {
  return new MaiimgError('CORRUPT_IMAGE', {}, { cause: cause ?? new Error(reason) });
}

/** A plain loop: Buffer#compare crosses into C++ and costs far more than a few byte reads. */
export function hasBytesAt(input: ByteSource, at: number, expected: Buffer): boolean {
  if (at < 0 || at + expected.length > input.length) return false;
  for (let i = 0; i < expected.length; i++) if (input.byte(at + i) !== expected[i]) return false;
  return true;
}
