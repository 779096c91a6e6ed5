import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { ProblemException } from '../common/problem/problem.exception.js';
import { ApiKeyAuthenticator } from './api-key-authenticator.service.js';
import type { AuthenticatedRequest } from './authenticated-principal.js';
import { IS_PUBLIC } from './public.decorator.js';

// The scheme is case-insensitive (RFC 9110 section 11.1): clients that send `bearer` are no less right.
const BEARER = /^Bearer +([\x21-\x7e]{1,512})$/i;

/** The API key of an `Authorization: Bearer <key>` header, if it is one. */
export function bearerKeyOf(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/** Every route needs `Authorization: Bearer <api key>` unless marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: ApiKeyAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) {
      return true;
    }
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const response = http.getResponse<Response>();
    const header = request.headers.authorization;
    if (!header) {
      return reject(response, 'Send an API key as "Authorization: Bearer <key>".');
    }
    const key = bearerKeyOf(header);
    if (!key) {
      return reject(response, 'The Authorization header must be "Bearer <key>".');
    }
    const principal = await this.authenticator.authenticate(key);
    if (!principal) {
      return reject(response, 'The API key is unknown, revoked or expired, or its principal is disabled.');
    }
    request.principal = principal;
    return true;
  }
}

function reject(response: Response, detail: string): never {
  response.setHeader('WWW-Authenticate', 'Bearer realm="dhcp-failover-manager"');
  throw ProblemException.unauthenticated(detail);
}
