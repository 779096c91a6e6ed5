import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { principalOf } from '../auth/authenticated-principal.js';
import { IS_PUBLIC } from '../auth/public.decorator.js';
import { AUTHORIZE_RULE, type AuthorizeRule } from './authorize.decorator.js';
import { PermissionService } from './permission.service.js';

/** Enforces @Authorize on every route; a route with neither @Authorize nor @Public is refused (fail closed). */
@Injectable()
export class PermissionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly permissions: PermissionService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) {
      return true;
    }
    const rule = this.reflector.getAllAndOverride<AuthorizeRule | 'authenticated' | undefined>(
      AUTHORIZE_RULE,
      targets,
    );
    if (!rule) {
      throw new Error(
        `Route ${context.getClass().name}.${context.getHandler().name} declares no @Authorize rule`,
      );
    }
    if (rule === 'authenticated') {
      return true;
    }
    const request = context.switchToHttp().getRequest<Request>();
    const principal = principalOf(request);
    const resolved = await rule.resource(request, { dataSource: this.dataSource });
    const resources = Array.isArray(resolved) ? resolved : [resolved];
    // Nothing named (an unknown relationship): one who holds the permission nowhere is refused before any 400/404.
    if (resources.length === 0 && rule.permission) {
      await this.permissions.assertHeldAnywhere(
        principal.id,
        rule.permission,
        'the servers this request names',
      );
    }
    for (const resource of resources) {
      if (rule.permission) {
        await this.permissions.assert(principal.id, rule.permission, resource);
      } else if (resource.type === 'scope') {
        await this.permissions.assertCanSeeScope(principal.id, resource.serverId, resource.network);
      } else if (resource.type !== 'global') {
        await this.permissions.assertCanSeeServer(principal.id, resource.serverId);
      }
    }
    return true;
  }
}
