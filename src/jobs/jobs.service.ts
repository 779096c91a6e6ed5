import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor } from '../auth/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { pageWindow, toPage, type Page } from '../common/http/pagination.js';
import { ProblemException } from '../common/problem/problem.exception.js';
import { Permission } from '../permissions/permission.js';
import { PermissionService } from '../permissions/permission.service.js';
import type { JobQuery } from './job.dto.js';
import { JobRecordEntity } from './job-record.entity.js';
import { FINISHED_JOB_STATES, type JobState } from './job-state.js';
import { QueueBackend } from './queue-backend.js';
import { JobHandlerRegistry } from './job-handler.registry.js';

const GLOBAL = { type: 'global' } as const;

/**
 * Jobs as callers see them. A principal sees the jobs it asked for; `administer-dhcp-servers` on the whole service
 * sees and cancels every job.
 */
@Injectable()
export class JobsService {
  private readonly logger = new Logger(JobsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly permissions: PermissionService,
    private readonly backend: QueueBackend,
    private readonly audit: AuditService,
    private readonly registry: JobHandlerRegistry,
  ) {}

  async list(query: JobQuery, principalId: string): Promise<Page<JobRecordEntity>> {
    const seesAll = await this.permissions.may(principalId, Permission.administerDhcpServers, GLOBAL);
    const builder = this.dataSource
      .getRepository(JobRecordEntity)
      .createQueryBuilder('job')
      .orderBy('job.created_at', 'DESC')
      .addOrderBy('job.id', 'ASC')
      .skip(pageWindow(query).skip)
      .take(pageWindow(query).take);
    if (query.state) builder.andWhere('job.state = :state', { state: query.state });
    if (query.name) builder.andWhere('job.name = :name', { name: query.name });
    if (query.requestedBy)
      builder.andWhere('job.requested_by = :requestedBy', { requestedBy: query.requestedBy });
    if (!seesAll) builder.andWhere('job.requested_by = :caller', { caller: principalId });
    if (query.since) builder.andWhere('job.created_at >= :since', { since: query.since });
    if (query.until) builder.andWhere('job.created_at < :until', { until: query.until });
    // What a job is about lives in its request.
    if (query.kind) builder.andWhere("job.request->>'kind' = :kind", { kind: query.kind });
    // `involves` names every server and relationship a replication was planned to touch (destinations too); jobs
    // requested before it name theirs in the request's own fields.
    if (query.relationshipId) {
      builder.andWhere(
        "(job.request @> CAST(:involvesRelationship AS jsonb) OR job.request->>'relationshipId' = :relationshipId)",
        {
          involvesRelationship: JSON.stringify({ involves: { relationshipIds: [query.relationshipId] } }),
          relationshipId: query.relationshipId,
        },
      );
    }
    if (query.serverId) {
      builder.andWhere(
        '(job.request @> CAST(:involvesServer AS jsonb) OR ' +
          "job.request->>'sourceServerId' = :serverId OR job.request->>'destinationServerId' = :serverId)",
        {
          involvesServer: JSON.stringify({ involves: { serverIds: [query.serverId] } }),
          serverId: query.serverId,
        },
      );
    }
    const [items, total] = await builder.getManyAndCount();
    return toPage(items, total, query);
  }

  /**
   * The job's version and whether it is finished, for a conditional read: when a poller's `If-None-Match` still
   * matches, the row (whose outcome can be large) is not loaded at all. One plain query: pollers call this often.
   */
  async versionOf(id: string, principalId: string): Promise<{ version: number; finished: boolean }> {
    const rows: Array<{ version: number; state: JobState; requestedBy: string | null }> =
      await this.dataSource.query(
        'SELECT version, state, requested_by AS "requestedBy" FROM jobs WHERE id = $1',
        [id],
      );
    const job = await this.readable(rows[0] ?? null, id, principalId);
    return { version: Number(job.version), finished: FINISHED_JOB_STATES.includes(job.state) };
  }

  async get(id: string, principalId: string, withDetails = false): Promise<JobRecordEntity> {
    const repository = this.dataSource.getRepository(JobRecordEntity);
    const job = await this.readable(
      await (withDetails
        ? repository.createQueryBuilder('job').addSelect('job.details').where('job.id = :id', { id }).getOne()
        : repository.findOneBy({ id })),
      id,
      principalId,
    );
    if (withDetails) job.details = await this.withDiffs(job);
    return job;
  }

  /**
   * The job's details with its diffs (kept in their own table, see JobDiffEntity) as `diffs`, keyed as saved, in the
   * order a `jsonb` object has its keys (shorter first, then bytewise), as when they were part of the job's row.
   */
  private async withDiffs(job: JobRecordEntity): Promise<Record<string, unknown> | null> {
    const rows: Array<{ key: string; diff: unknown }> = await this.dataSource.query(
      'SELECT "key", "diff" FROM "job_diffs" WHERE "job_id" = $1 ORDER BY octet_length("key"), "key" COLLATE "C"',
      [job.id],
    );
    if (rows.length === 0) return job.details;
    const diffs: Record<string, unknown> = {};
    for (const { key, diff } of rows) diffs[key] = diff;
    const presented = await this.registry.get(job.queue, job.name)?.presentDiffs?.(diffs);
    if (presented) {
      Object.assign(diffs, presented.made, presented.failed);
      // Kept once made, so that the next reader gets them as saved; only from a finished job, whose diffs no
      // attempt replaces any more.
      if (FINISHED_JOB_STATES.includes(job.state) && Object.keys(presented.made).length > 0) {
        // Only a saving: the reader has its diffs whether or not they are kept, and the next one makes them again.
        await this.dataSource
          .query(
            'UPDATE "job_diffs" AS d SET "diff" = m."value" FROM json_each($2::json) AS m ' +
              'WHERE d."job_id" = $1 AND d."key" = m."key"',
            [job.id, JSON.stringify(presented.made)],
          )
          .catch((error: unknown) =>
            this.logger.warn(`The diffs made for job ${job.id} were not kept: ${(error as Error).message}`),
          );
      }
    }
    return { ...(job.details ?? {}), diffs };
  }

  /** A principal reads its own jobs; everyone's with `administer-dhcp-servers` on the whole service. */
  private async readable<T extends Pick<JobRecordEntity, 'requestedBy'>>(
    job: T | null,
    id: string,
    principalId: string,
  ): Promise<T> {
    if (!job) {
      throw ProblemException.notFound('Job', id);
    }
    if (job.requestedBy !== principalId) {
      await this.permissions.assert(principalId, Permission.administerDhcpServers, GLOBAL);
    }
    return job;
  }

  /**
   * A queued job is cancelled at once (its queue message removed); a running one is asked to stop before its next
   * write, never inside one. Asking again while it runs answers the same and records nothing new. A finished job
   * cannot be cancelled.
   */
  async cancel(id: string, actor: Actor): Promise<JobRecordEntity> {
    const job = await this.get(id, actor.principalId);
    if (FINISHED_JOB_STATES.includes(job.state)) {
      throw ProblemException.conflict(`Job ${id} is ${job.state} already`);
    }
    const repository = this.dataSource.getRepository(JobRecordEntity);
    // Asked already: the job stops at its next step all the same; the answer is the same, with no second event.
    if (job.cancelRequested) return job;
    const cancelled = await repository.update(
      { id, state: 'queued' },
      { state: 'cancelled', cancelRequested: true, finishedAt: new Date() },
    );
    if (cancelled.affected) {
      // Best effort: a worker that takes the message anyway finds the row finished and skips it.
      await this.backend
        .queue(job.queue)
        .remove(id)
        .catch(() => undefined);
    } else {
      await repository.update({ id }, { cancelRequested: true });
    }
    await this.dataSource.transaction((manager) =>
      this.audit.record(manager, {
        action: 'job.cancel-requested',
        targetType: 'job',
        targetId: id,
        ...actor,
        details: { stateWhenAsked: job.state },
      }),
    );
    return repository.findOneByOrFail({ id });
  }
}
