import express, { type NextFunction, type Request, type Response } from 'express';
import { ProblemException } from '../common/problem/problem.exception.js';
import { sendProblem } from '../common/problem/problem-response.js';
import { ProblemType } from '../common/problem/problem-types.js';

export const MAX_BODY_BYTES = 1024 * 1024;
/** Objects and arrays inside one another: the deepest request (a relationship's server settings) needs 4. */
const MAX_BODY_DEPTH = 32;
/** Members of one object: the widest request (a relationship's settings) has a few dozen. */
const MAX_OBJECT_MEMBERS = 1000;
const JSON_TYPES = ['application/json', 'application/merge-patch+json'];
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * JSON bodies only, at most 1 MiB. Runs before Nest's router so that 413, 415 and malformed JSON answer
 * problem+json like everything else.
 */
export function bodyParsingMiddleware(): Array<
  | ((request: Request, response: Response, next: NextFunction) => void)
  | ((error: unknown, request: Request, response: Response, next: NextFunction) => void)
> {
  const requireJson = (request: Request, response: Response, next: NextFunction): void => {
    const hasBody =
      Number(request.headers['content-length'] ?? 0) > 0 ||
      request.headers['transfer-encoding'] !== undefined;
    if (WITH_BODY.has(request.method) && hasBody && !request.is(JSON_TYPES)) {
      sendProblem(
        response,
        request,
        new ProblemException(
          415,
          ProblemType.unsupportedMediaType,
          'Unsupported media type',
          `Send the body as application/json (got ${request.headers['content-type'] ?? 'no Content-Type'}).`,
        ),
      );
      return;
    }
    next();
  };
  const parseErrors = (error: unknown, request: Request, response: Response, next: NextFunction): void => {
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') {
      sendProblem(
        response,
        request,
        new ProblemException(
          413,
          ProblemType.payloadTooLarge,
          'Payload too large',
          `Bodies are limited to ${MAX_BODY_BYTES} bytes.`,
        ),
      );
    } else if (type === 'entity.parse.failed') {
      const kind = topLevelKind((error as { body?: unknown }).body);
      sendProblem(
        response,
        request,
        ProblemException.badRequest(
          kind ? `The body must be a JSON object, not ${kind}.` : 'The body is not valid JSON.',
        ),
      );
    } else if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      sendProblem(
        response,
        request,
        new ProblemException(
          415,
          ProblemType.unsupportedMediaType,
          'Unsupported media type',
          'Send UTF-8 JSON without content encoding.',
        ),
      );
    } else {
      next(error);
    }
  };
  // Strict parsing lets arrays through; every body here is an object.
  const requireObject = (request: Request, response: Response, next: NextFunction): void => {
    if (Array.isArray(request.body)) {
      sendProblem(
        response,
        request,
        ProblemException.badRequest('The body must be a JSON object, not an array.'),
      );
      return;
    }
    next();
  };
  // PostgreSQL text and jsonb cannot hold U+0000: refused here with the field, instead of failing at the database.
  // A body shaped past what any request needs is refused first: every later step walks it, recursively (100,000
  // nested arrays fit in 1 MiB), and the class transformer in a time that grows with the square of an object's
  // members (75,000 unknown fields: 9 s of a blocked event loop, for one request).
  const refuseNul = (request: Request, response: Response, next: NextFunction): void => {
    const shape = shapeProblem(request.body);
    if (shape) {
      sendProblem(response, request, ProblemException.badRequest(shape));
      return;
    }
    const fields = [...nulFields(request.query, ''), ...nulFields(request.body, '')];
    if (fields.length > 0) {
      sendProblem(
        response,
        request,
        ProblemException.validation(
          fields.map((field) => ({
            field,
            message: `${field} must not contain the NUL character (\\u0000)`,
          })),
        ),
      );
      return;
    }
    next();
  };
  return [
    requireJson,
    express.json({ limit: MAX_BODY_BYTES, type: JSON_TYPES, strict: true }),
    parseErrors,
    requireObject,
    refuseNul,
  ];
}

/**
 * What makes a body larger in shape than any request (nesting, members of one object), said for the caller; undefined
 * when nothing does. Iterative, so any depth is measured.
 */
function shapeProblem(value: unknown): string | undefined {
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) {
      return `The body nests deeper than ${MAX_BODY_DEPTH} levels of objects and arrays.`;
    }
    const children = Object.values(item);
    if (!Array.isArray(item) && children.length > MAX_OBJECT_MEMBERS) {
      return `An object in the body has more than ${MAX_OBJECT_MEMBERS} members.`;
    }
    for (const child of children) pending.push([child, depth + 1]);
  }
  return undefined;
}

/** The paths (`a.b[2].c`, as validation errors name fields) of the strings and keys that contain U+0000. */
function nulFields(value: unknown, path: string): string[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [path || '(body)'] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => nulFields(item, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => {
      const field = path ? `${path}.${key}` : key;
      return key.includes('\u0000') ? [field] : nulFields(item, field);
    });
  }
  return [];
}

/** What valid JSON that is not an object or array holds (`a string`, `null`, ...); undefined when it is not JSON. */
function topLevelKind(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return value === null ? 'null' : `a ${typeof value}`;
  } catch {
    return undefined;
  }
}
