import { ProblemType, type ProblemTypeUri } from './problem-types.js';
import type { FieldError, ProblemExtensions } from './problem-details.js';
import type { Permission } from '../../permissions/permission.js';

/** A failure the caller can act on; the global filter turns it into problem+json with this status and type. */
export class ProblemException extends Error {
  constructor(
    readonly status: number,
    readonly type: ProblemTypeUri,
    readonly title: string,
    readonly detail: string,
    readonly extensions: ProblemExtensions = {},
  ) {
    super(detail);
    this.name = 'ProblemException';
  }

  static validation(errors: FieldError[], detail?: string): ProblemException {
    const summary = detail ?? errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    return new ProblemException(400, ProblemType.validation, 'Request validation failed', summary, {
      errors,
    });
  }

  static badRequest(detail: string): ProblemException {
    return new ProblemException(400, ProblemType.badRequest, 'Bad request', detail);
  }

  static notFound(what: string, id: string): ProblemException {
    return new ProblemException(404, ProblemType.notFound, 'Not found', `${what} ${id} does not exist`);
  }

  /** A path served with other methods: `allowed` goes in the `Allow` header too. */
  static methodNotAllowed(method: string, allowed: readonly string[]): ProblemException {
    return new ProblemException(
      405,
      ProblemType.methodNotAllowed,
      'Method not allowed',
      `${method} is not served here; use ${allowed.join(', ')}.`,
    );
  }

  static conflict(detail: string, extensions: ProblemExtensions = {}): ProblemException {
    return new ProblemException(409, ProblemType.conflict, 'Conflict', detail, extensions);
  }

  static preconditionFailed(detail: string): ProblemException {
    return new ProblemException(412, ProblemType.preconditionFailed, 'Precondition failed', detail);
  }

  static forbidden(permission: Permission, resource: string): ProblemException {
    return new ProblemException(
      403,
      ProblemType.forbidden,
      'Permission denied',
      `This needs the permission "${permission}" on ${resource}; ask an administrator for a grant.`,
      { missingPermission: permission },
    );
  }

  static unauthenticated(detail: string): ProblemException {
    return new ProblemException(401, ProblemType.unauthenticated, 'Authentication required', detail);
  }
}
