import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { PrincipalKind } from './principal.entity.js';

/** Who is calling, as the auth guard resolved it from the API key. */
export interface AuthenticatedPrincipal {
  id: string;
  name: string;
  kind: PrincipalKind;
  apiKeyId: string;
}

export type AuthenticatedRequest = Request & { principal?: AuthenticatedPrincipal; id?: unknown };

export function principalOf(request: Request): AuthenticatedPrincipal {
  const principal = (request as AuthenticatedRequest).principal;
  if (!principal) {
    throw new Error('No principal on the request: the route is public but asks who is calling');
  }
  return principal;
}

/** The calling principal (routes behind the auth guard only). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext) =>
  principalOf(context.switchToHttp().getRequest<Request>()),
);
