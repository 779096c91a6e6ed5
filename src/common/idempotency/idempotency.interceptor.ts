import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { DataSource, IsNull, LessThan } from 'typeorm';
import { type AuthenticatedRequest } from '../../auth/authenticated-principal.js';
import { SecretBox } from '../crypto/secret-box.js';
import { ProblemException } from '../problem/problem.exception.js';
import { ProblemType } from '../problem/problem-types.js';
import { IdempotencyRecordEntity } from './idempotency-record.entity.js';
import { IDEMPOTENT } from './idempotent.decorator.js';
import { idempotencyKeyOf } from './idempotency-key.js';

/** How long an `Idempotency-Key` answers with its first result (README: 24 hours); jobs keep theirs as long. */
export const RETENTION_MS = 24 * 3600 * 1000;
/** A claim this old without an answer belongs to a process that died mid-request; it may be taken over. */
const ABANDONED_MS = 60_000;
const REPLAYED_HEADERS = ['location', 'etag'];

/** Stores the first answer to an `Idempotency-Key` and replays it to retries (routes marked @Idempotent). */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly box: SecretBox,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!this.reflector.get<boolean>(IDEMPOTENT, context.getHandler()) || !request.principal) {
      return next.handle();
    }
    const key = idempotencyKeyOf(request.headers['idempotency-key']);
    if (key === undefined) {
      return next.handle();
    }
    const response = context.switchToHttp().getResponse<Response>();
    return from(this.handle(request, response, request.principal.id, key, next));
  }

  private async handle(
    request: AuthenticatedRequest,
    response: Response,
    principalId: string,
    key: string,
    next: CallHandler,
  ): Promise<unknown> {
    const repository = this.dataSource.getRepository(IdempotencyRecordEntity);
    const path = request.originalUrl.split('?')[0] ?? request.originalUrl;
    // Keyed: a body can hold credentials (a server's password), which a plain SHA-256 would expose to guessing.
    const body = JSON.stringify(request.body ?? null);
    const requestDigest = this.box.digest(body);
    await repository.delete({ createdAt: LessThan(new Date(Date.now() - RETENTION_MS)) });
    await repository.delete({
      principalId,
      key,
      statusCode: IsNull(),
      createdAt: LessThan(new Date(Date.now() - ABANDONED_MS)),
    });
    let id: string | undefined;
    for (let attempt = 1; ; attempt++) {
      const claimed = await repository
        .createQueryBuilder()
        .insert()
        .values({ principalId, key, method: request.method, path, requestDigest })
        .orIgnore()
        .returning('id')
        .execute();
      id = (claimed.raw as Array<{ id: string }>)[0]?.id;
      if (id !== undefined) break;
      const existing = await repository.findOneBy({ principalId, key });
      if (existing) {
        return this.replay(existing, request.method, path, body, response);
      }
      // The request holding the key failed and freed it between our claim and this read: claim it again (a few
      // times; then the caller retries, as for a request still in flight).
      if (attempt === 3) {
        throw ProblemException.conflict(
          'A request with this Idempotency-Key is still being handled; retry shortly.',
        );
      }
    }
    try {
      const body: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
      const headers = Object.fromEntries(
        REPLAYED_HEADERS.flatMap((name) => {
          const value = response.getHeader(name);
          return typeof value === 'string' ? [[name, value]] : [];
        }),
      );
      await repository.update(
        { id },
        { statusCode: response.statusCode, responseBody: (body ?? null) as never, responseHeaders: headers },
      );
      return body;
    } catch (error) {
      // A failed request changed nothing: free the key so the caller can retry it.
      await repository.delete({ id });
      throw error;
    }
  }

  private replay(
    record: IdempotencyRecordEntity,
    method: string,
    path: string,
    body: string,
    response: Response,
  ): unknown {
    // Made under an earlier key before a rotation (ENCRYPTION_KEY_PREVIOUS), the digest still tells the same body.
    const sameBody = this.box.digestMatches(body, record.requestDigest);
    if (record.method !== method || record.path !== path || !sameBody) {
      throw new ProblemException(
        422,
        ProblemType.idempotencyKeyReused,
        'Idempotency-Key reused',
        `This Idempotency-Key was used for ${record.method} ${record.path} with another body; use a new key for a new request.`,
      );
    }
    if (record.statusCode === null) {
      throw ProblemException.conflict(
        'A request with this Idempotency-Key is still being handled; retry shortly.',
      );
    }
    response.status(record.statusCode);
    response.setHeader('Idempotent-Replayed', 'true');
    for (const [name, value] of Object.entries(record.responseHeaders)) {
      response.setHeader(name, value);
    }
    return record.responseBody;
  }
}
