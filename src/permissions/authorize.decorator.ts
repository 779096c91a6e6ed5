import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { ProblemDetails } from '../common/problem/problem-details.js';
import type { Permission } from './permission.js';
import type { Resource } from './resource.js';

export type ResourceResolver = (request: Request) => Resource;

export interface AuthorizeRule {
  /** The permission needed; absent means "any grant on the server" (reading a server). */
  permission?: Permission;
  resource: ResourceResolver;
}

export const AUTHORIZE_RULE = Symbol('authorizeRule');

export const GLOBAL: ResourceResolver = () => ({ type: 'global' });

/** The server named by the `:id` path parameter. */
export const serverFromPath: ResourceResolver = (request) => ({
  type: 'server',
  serverId: String(request.params['id']),
});

/**
 * Declares what a route needs, checks it (PermissionGuard) and documents it (security, 401/403, and a line in
 * the operation's description naming the permission).
 */
export function Authorize(rule: AuthorizeRule | 'authenticated'): MethodDecorator & ClassDecorator {
  const needs =
    rule === 'authenticated'
      ? 'any valid API key'
      : rule.permission
        ? `the "${rule.permission}" permission`
        : 'a grant on the server';
  return applyDecorators(
    SetMetadata(AUTHORIZE_RULE, rule),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'No, unknown or revoked API key.', type: ProblemDetails }),
    ApiForbiddenResponse({ description: `The caller lacks ${needs}.`, type: ProblemDetails }),
  );
}
