import { applyDecorators } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiNotModifiedResponse,
  ApiOperation,
  ApiPreconditionFailedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ProblemDetails } from '../problem/problem-details.js';

/** Summary plus the 400 every operation can answer (validation of path, query and body). */
export function Operation(summary: string, description?: string): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary, ...(description ? { description } : {}) }),
    ApiBadRequestResponse({
      description: 'The request is malformed; `errors` lists what to fix.',
      type: ProblemDetails,
    }),
  );
}

/**
 * Documents a conditional read (RFC 9110 13.1.2): a GET whose answer carries an `ETag` answers 304 without a body when
 * `If-None-Match` names it (Express compares them for every such answer). Jobs document their own, with long polling.
 */
export function ConditionalRead(what: string): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'If-None-Match',
      required: false,
      description: `The \`ETag\` of your last read: an unchanged ${what} answers 304 without a body.`,
    }),
    ApiNotModifiedResponse({
      description: `The ${what} has not changed since the \`ETag\` sent in \`If-None-Match\`.`,
      headers: { ETag: { description: 'The current version (the one sent).', schema: { type: 'string' } } },
    }),
  );
}

export function NotFound(what: string): MethodDecorator {
  return ApiNotFoundResponse({ description: `No such ${what}.`, type: ProblemDetails });
}

export function Conflicts(description: string): MethodDecorator {
  return ApiConflictResponse({ description, type: ProblemDetails });
}

/** Documents `If-Match` and its 412 on a change to a versioned resource. */
export function IfMatch(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description: 'The ETag you read; the change is refused with 412 if the resource changed since.',
    }),
    ApiPreconditionFailedResponse({
      description: 'The resource changed since you read it.',
      type: ProblemDetails,
    }),
  );
}

/** The 502 of an operation that reaches a DHCP server. */
export function Upstream(
  description = 'A DHCP server could not be reached or refused our credentials.',
): MethodDecorator {
  return ApiBadGatewayResponse({ description, type: ProblemDetails });
}

/** The 422 of an operation whose DHCP server refuses a configuration (one written, or the one it holds). */
export function Rejected(description: string): MethodDecorator {
  return ApiUnprocessableEntityResponse({ description, type: ProblemDetails });
}

/** The `ETag` a versioned resource is answered with (its row version), for `If-Match` and `If-None-Match`. */
export const ETAG_HEADER = {
  ETag: {
    description:
      'The version of the resource: send it in `If-Match` to change it, `If-None-Match` to read it again.',
    schema: { type: 'string' },
  },
};

/** The `Location` of what a POST made: the created resource, or the job to poll. */
export function locationHeader(
  what: string,
): Record<string, { description: string; schema: { type: string } }> {
  return { Location: { description: `The path of ${what}.`, schema: { type: 'string' } } };
}

/** The headers of a 201 that made a versioned resource: its `Location` and `ETag`. */
export function createdHeaders(
  what: string,
): Record<string, { description: string; schema: { type: string } }> {
  return { ...locationHeader(what), ...ETAG_HEADER };
}
