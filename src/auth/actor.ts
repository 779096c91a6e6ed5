import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { requestIdOf } from '../common/problem/problem-response.js';
import { principalOf } from './authenticated-principal.js';

/** Who made a change and under which request (or job) id: what the audit trail records. */
export interface Actor {
  principalId: string;
  correlationId: string;
}

export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const request = context.switchToHttp().getRequest<Request>();
  return { principalId: principalOf(request).id, correlationId: requestIdOf(request) };
});
