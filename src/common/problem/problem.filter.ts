import { type ArgumentsHost, Catch, type ExceptionFilter, Logger, NotFoundException } from '@nestjs/common';
import type { RouteTable } from '../../http/route-table.js';
import type { Request, Response } from 'express';
import { toProblem } from './problem-mapping.js';
import { ProblemException } from './problem.exception.js';
import { sendProblem } from './problem-response.js';
import { ProblemType } from './problem-types.js';

/** The one exception filter: every error leaves as RFC 9457 problem+json; unknown errors are 500 with no internals. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemFilter.name);

  constructor(private readonly routes?: RouteTable) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const allowed =
      error instanceof NotFoundException ? (this.routes?.allowedMethods(pathOf(request)) ?? []) : [];
    if (allowed.length > 0) {
      response.setHeader('Allow', allowed.join(', '));
      sendProblem(response, request, ProblemException.methodNotAllowed(request.method, allowed));
      return;
    }
    sendProblem(response, request, this.resolve(error));
  }

  resolve(error: unknown): ProblemException {
    const problem = toProblem(error);
    if (problem) {
      return problem;
    }
    this.logger.error({ err: error }, 'Unhandled error');
    return new ProblemException(
      500,
      ProblemType.internal,
      'Internal server error',
      'The service failed unexpectedly; quote the requestId when reporting it.',
    );
  }
}

// The not-found handler is mounted under the global prefix, so `request.path` is relative to it.
function pathOf(request: Request): string {
  return request.originalUrl.split('?')[0] ?? request.originalUrl;
}
