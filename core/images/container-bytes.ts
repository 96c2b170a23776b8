import { MaiimgError } from '../errors.js';

/** Every structural problem in an upload means the same thing to the sender: the file is damaged. */
export function corrupt(reason: string, cause?: unknown): MaiimgError {
  return new MaiimgError('CORRUPT_IMAGE', {}, { cause: cause ?? new Error(reason) });
}

/** Avoids copying a multi-megabyte photo when there was nothing to remove. */
export function joinIfChanged(input: Buffer, parts: Buffer[]): Buffer {
  let total = 0;
  for (const part of parts) total += part.length;
  if (total === input.length && parts.length > 0 && isContiguous(input, parts)) return input;
  return Buffer.concat(parts, total);
}

function isContiguous(input: Buffer, parts: Buffer[]): boolean {
  let expected = input.byteOffset;
  for (const part of parts) {
    if (part.buffer !== input.buffer || part.byteOffset !== expected) return false;
    expected += part.length;
  }
  return true;
}

/** A plain loop: Buffer#compare crosses into C++ and costs far more than a few byte reads. */
export function hasBytesAt(input: Buffer, at: number, expected: Buffer): boolean {
  if (at < 0 || at + expected.length > input.length) return false;
  for (let i = 0; i < expected.length; i++) if (input[at + i] !== expected[i]) return false;
  return true;
}
