import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { NextFunction, Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { ApiKeyAuthenticator } from '../../auth/api-key-authenticator.service.js';
import { bearerKeyOf } from '../../auth/auth.guard.js';
import { ProblemException } from '../../common/problem/problem.exception.js';
import { sendProblem } from '../../common/problem/problem-response.js';
import { ProblemType } from '../../common/problem/problem-types.js';
import { GrantEntity } from '../../permissions/grant.entity.js';
import { ADMINISTRATORS_ROLE_ID } from '../../permissions/built-in-roles.js';

const BASIC = /^Basic ([A-Za-z0-9+/=]{1,1024})$/;
const REALM = 'Basic realm="dhcp-failover-manager queues", charset="UTF-8"';

/**
 * Who may open the queue dashboard: principals holding the built-in Administrators role globally. The API key comes
 * as a Bearer token (scripts) or as the password of HTTP Basic auth, any user name (browsers prompt for it).
 */
@Injectable()
export class DashboardAccess {
  private readonly logger = new Logger(DashboardAccess.name);

  constructor(
    private readonly authenticator: ApiKeyAuthenticator,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Express middleware in front of the dashboard. */
  readonly middleware = (request: Request, response: Response, next: NextFunction): void => {
    this.check(request).then(
      () => next(),
      (error: unknown) => {
        if (error instanceof ProblemException && error.status === 401)
          response.setHeader('WWW-Authenticate', REALM);
        if (!(error instanceof ProblemException))
          this.logger.error({ err: error }, 'Dashboard access check failed');
        sendProblem(response, request, error instanceof ProblemException ? error : internal());
      },
    );
  };

  private async check(request: Request): Promise<void> {
    const key = keyOf(request.headers.authorization);
    if (!key) {
      throw ProblemException.unauthenticated(
        'Send an API key as "Authorization: Bearer <key>", or as the password of HTTP Basic auth.',
      );
    }
    const principal = await this.authenticator.authenticate(key);
    if (!principal) {
      throw ProblemException.unauthenticated(
        'The API key is unknown, revoked or expired, or its principal is disabled.',
      );
    }
    const administrator = await this.dataSource.getRepository(GrantEntity).existsBy({
      principalId: principal.id,
      roleId: ADMINISTRATORS_ROLE_ID,
      resourceType: 'global',
    });
    if (!administrator) {
      throw new ProblemException(
        403,
        ProblemType.forbidden,
        'Forbidden',
        'The queue dashboard is for principals holding the Administrators role globally.',
      );
    }
  }
}

function keyOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bearer = bearerKeyOf(header);
  if (bearer) return bearer;
  const basic = BASIC.exec(header)?.[1];
  if (!basic) return undefined;
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  const password = decoded.slice(decoded.indexOf(':') + 1);
  return /^[\x21-\x7e]{1,512}$/.test(password) ? password : undefined;
}

function internal(): ProblemException {
  return new ProblemException(500, ProblemType.internal, 'Internal server error', 'The access check failed.');
}
