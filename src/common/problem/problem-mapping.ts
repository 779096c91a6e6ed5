import { HttpException } from '@nestjs/common';
import { DriverError, DriverErrorCode, withVendorMessage } from '../../vendors/driver-error.js';
import { ProblemException } from './problem.exception.js';
import { ProblemType, type ProblemTypeUri } from './problem-types.js';

const DRIVER_PROBLEMS: Record<DriverErrorCode, { status: number; type: ProblemTypeUri; title: string }> = {
  [DriverErrorCode.unreachable]: {
    status: 502,
    type: ProblemType.serverUnreachable,
    title: 'DHCP server unreachable',
  },
  [DriverErrorCode.auth]: {
    status: 502,
    type: ProblemType.serverAuthFailed,
    title: 'DHCP server refused our credentials',
  },
  [DriverErrorCode.notFound]: {
    status: 404,
    type: ProblemType.serverNotFound,
    title: 'Not found on the DHCP server',
  },
  [DriverErrorCode.conflict]: {
    status: 409,
    type: ProblemType.serverConflict,
    title: 'DHCP server state conflict',
  },
  [DriverErrorCode.invalidConfig]: {
    status: 422,
    type: ProblemType.serverRejectedConfig,
    title: 'DHCP server rejected the configuration',
  },
  [DriverErrorCode.unsupported]: {
    status: 501,
    type: ProblemType.serverUnsupported,
    title: 'DHCP server does not support this',
  },
};

const HTTP_PROBLEMS: Record<number, { type: ProblemTypeUri; title: string }> = {
  400: { type: ProblemType.badRequest, title: 'Bad request' },
  401: { type: ProblemType.unauthenticated, title: 'Authentication required' },
  403: { type: ProblemType.forbidden, title: 'Permission denied' },
  404: { type: ProblemType.notFound, title: 'Not found' },
  405: { type: ProblemType.methodNotAllowed, title: 'Method not allowed' },
  409: { type: ProblemType.conflict, title: 'Conflict' },
  412: { type: ProblemType.preconditionFailed, title: 'Precondition failed' },
  413: { type: ProblemType.payloadTooLarge, title: 'Payload too large' },
  415: { type: ProblemType.unsupportedMediaType, title: 'Unsupported media type' },
};

/** Turns anything thrown into the problem the caller sees; `undefined` means an unexpected error (500). */
export function toProblem(error: unknown): ProblemException | undefined {
  if (error instanceof ProblemException) {
    return error;
  }
  if (error instanceof DriverError) {
    const mapped = DRIVER_PROBLEMS[error.code];
    const detail = withVendorMessage(error);
    return new ProblemException(mapped.status, mapped.type, mapped.title, detail, {
      driverError: error.code,
      ...(error.vendorMessage ? { vendorMessage: error.vendorMessage } : {}),
    });
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const known = HTTP_PROBLEMS[status];
    if (status >= 500 || !known) {
      return undefined;
    }
    return new ProblemException(status, known.type, known.title, httpExceptionMessage(error));
  }
  return undefined;
}

function httpExceptionMessage(error: HttpException): string {
  const body = error.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return typeof message === 'string' ? message : error.message;
}
