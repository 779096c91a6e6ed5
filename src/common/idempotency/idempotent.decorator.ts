import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiHeader, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { ProblemDetails } from '../problem/problem-details.js';

export const IDEMPOTENT = Symbol('idempotent');

/**
 * A creating POST that honours `Idempotency-Key`: the same key with the same request answers what the first request
 * answered (for 24 hours), without doing it again.
 */
export function Idempotent(): MethodDecorator {
  return applyDecorators(
    SetMetadata(IDEMPOTENT, true),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Any unique string (e.g. a UUID), at most 200 printable characters. A retry with the same key and body gets ' +
        'the first answer again instead of a second change; the same key with another body is refused (422).',
    }),
    ApiUnprocessableEntityResponse({
      description: 'The Idempotency-Key was used for a different request.',
      type: ProblemDetails,
    }),
  );
}
