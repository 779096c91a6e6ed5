import { ProblemException } from '../problem/problem.exception.js';

const KEY = /^[\x21-\x7e]{1,200}$/;

/** The `Idempotency-Key` header, checked: absent is fine, anything but 1-200 printable characters is a 400. */
export function idempotencyKeyOf(header: unknown): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !KEY.test(header)) {
    throw ProblemException.validation([
      {
        field: 'header.Idempotency-Key',
        message: 'Idempotency-Key must be 1-200 printable characters without spaces',
      },
    ]);
  }
  return header;
}
