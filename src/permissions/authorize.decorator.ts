import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import type { DataSource } from 'typeorm';
import { ProblemDetails } from '../common/problem/problem-details.js';
import { isIpv4 } from '../common/validation/network.validators.js';
import type { Permission } from './permission.js';
import type { Resource } from './resource.js';

/** What a resolver may consult: the request, and the database for resources named indirectly. */
export interface ResolverContext {
  dataSource: DataSource;
}

/** The resource(s) a request acts on; the permission must hold on every one. */
export type ResourceResolver = (
  request: Request,
  context: ResolverContext,
) => Resource | Resource[] | Promise<Resource | Resource[]>;

export interface AuthorizeRule {
  /**
   * The permission needed; absent means "any grant reaching the resource" (reading it: a server, or one scope, which
   * a grant on another scope of the server does not reach).
   */
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
 * The scope named by the `:id` and `:network` path parameters; the server alone when `network` is not an address (the
 * route's pipe then answers 400, not a refusal for a scope that cannot exist).
 */
export const scopeFromPath: ResourceResolver = (request) => {
  const serverId = String(request.params['id']);
  const network = String(request.params['network']);
  return isIpv4(network) ? { type: 'scope', serverId, network } : { type: 'server', serverId };
};

/** Both servers of the relationship named by the `:id` path parameter (none when it does not exist: 404 follows). */
export const relationshipServers: ResourceResolver = async (request, { dataSource }) => {
  const id = String(request.params['id']);
  if (!/^[0-9a-f-]{36}$/i.test(id)) return [];
  const rows: Array<{ server_id: string }> = await dataSource.query(
    'SELECT server_id FROM relationship_servers WHERE relationship_id = $1',
    [id],
  );
  return rows.map((row) => ({ type: 'server', serverId: row.server_id }));
};

/**
 * Declares what a route needs, checks it (PermissionGuard) and documents it (security, 401/403, and a line in
 * the operation's description naming the permission).
 */
export function Authorize(rule: AuthorizeRule | 'authenticated'): MethodDecorator & ClassDecorator {
  const needs =
    rule === 'authenticated'
      ? 'the permission named in the operation description'
      : rule.permission
        ? `the "${rule.permission}" permission`
        : rule.resource === scopeFromPath
          ? "a grant reaching the scope (on it, on all the server's scopes, or on the server)"
          : 'a grant on the server';
  return applyDecorators(
    SetMetadata(AUTHORIZE_RULE, rule),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'No, unknown or revoked API key.', type: ProblemDetails }),
    ApiForbiddenResponse({ description: `The caller lacks ${needs}.`, type: ProblemDetails }),
  );
}
