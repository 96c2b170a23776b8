import { expect } from 'vitest';
import { MaiimgError, type ErrorCode } from '../../../core/errors.js';

export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<MaiimgError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(MaiimgError);
  expect((error as MaiimgError).code).toBe(code);
  return error as MaiimgError;
}
