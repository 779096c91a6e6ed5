import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RETENTION_MS } from '../common/idempotency/idempotency.interceptor.js';
import { DEFAULT_JOB_OPTIONS } from './job-options.constants.js';
import type { JobMessage } from './job-catalogue.js';
import { JobRecordEntity } from './job-record.entity.js';
import { QueueBackend } from './queue-backend.js';

export interface EnqueueRequest {
  queue: string;
  name: string;
  request: Record<string, unknown>;
  requestedBy: string | null;
  /** Same key from the same principal: the existing job is returned, nothing new is queued. */
  idempotencyKey?: string;
}

/** Creates job rows and their queue messages. The row is written first; the message names it by id. */
@Injectable()
export class JobRecordsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly backend: QueueBackend,
  ) {}

  async enqueue(request: EnqueueRequest): Promise<{ record: JobRecordEntity; created: boolean }> {
    const repository = this.dataSource.getRepository(JobRecordEntity);
    if (request.idempotencyKey !== undefined && request.requestedBy !== null) {
      // A key answers with its job for 24 hours, then names the next request's job: the old job lets it go.
      await this.dataSource.query(
        `UPDATE jobs SET idempotency_key = NULL
          WHERE requested_by = $1 AND idempotency_key = $2 AND created_at < now() - $3 * interval '1 millisecond'`,
        [request.requestedBy, request.idempotencyKey, RETENTION_MS],
      );
    }
    const inserted = await repository
      .createQueryBuilder()
      .insert()
      .values({
        queue: request.queue,
        name: request.name,
        request: request.request as never,
        requestedBy: request.requestedBy,
        idempotencyKey: request.idempotencyKey ?? null,
      })
      .orIgnore()
      .returning('id')
      .execute();
    const id = (inserted.raw as Array<{ id: string }>)[0]?.id;
    if (!id) {
      const existing = await repository.findOneByOrFail({
        requestedBy: request.requestedBy ?? undefined,
        idempotencyKey: request.idempotencyKey,
      });
      return { record: existing, created: false };
    }
    // Deterministic BullMQ job id = row id: enqueueing the same row twice adds one message.
    const message: JobMessage = { jobId: id };
    await this.backend.queue(request.queue).add(request.name, message, { ...DEFAULT_JOB_OPTIONS, jobId: id });
    return { record: await repository.findOneByOrFail({ id }), created: true };
  }
}
