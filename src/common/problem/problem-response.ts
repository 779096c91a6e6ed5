import type { Request, Response } from 'express';
import { PROBLEM_CONTENT_TYPE, type ProblemDetails } from './problem-details.js';
import type { ProblemException } from './problem.exception.js';

/** The request id pino-http assigned (also echoed in `X-Request-Id`). */
export function requestIdOf(request: Request): string {
  const id = (request as Request & { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : '';
}

export function toProblemDetails(problem: ProblemException, request: Request): ProblemDetails {
  return {
    ...problem.extensions,
    type: problem.type,
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    instance: request.originalUrl.split('?')[0] ?? request.originalUrl,
    requestId: requestIdOf(request),
  };
}

export function sendProblem(response: Response, request: Request, problem: ProblemException): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  response
    .status(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(toProblemDetails(problem, request)));
}
