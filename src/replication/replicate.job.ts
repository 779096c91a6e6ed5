import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { toProblem } from '../common/problem/problem-mapping.js';
import { JobHandlerRegistry } from '../jobs/job-handler.registry.js';
import type { JobHandler, JobResult, JobRunContext } from '../jobs/job-handler.js';
import { DEFAULT_JOB_OPTIONS } from '../jobs/job-options.constants.js';
import { JobRecordEntity } from '../jobs/job-record.entity.js';
import { ServerLockService } from '../servers/server-lock.service.js';
import { ServersService } from '../servers/servers.service.js';
import { DriverError } from '../vendors/driver-error.js';
import { DriverRegistry } from '../vendors/driver-registry.js';
import type { ScopeWrite } from '../vendors/driver.js';
import { SCOPE_PARTS } from '../vendors/scope-content.js';
import { planReplication, type ReplicationLeg } from './replication-plan.js';
import type { ReplicationRequest, ScopeOutcome } from './replication-request.js';
import { diffScope } from './scope-diff.js';
import { ReplicationsService } from './replications.service.js';

const FINAL = new Set<ScopeOutcome['state']>(['replaced', 'unchanged', 'skipped', 'would-replace']);
const keyOf = (leg: ReplicationLeg, network: string): string => `${leg.relationshipId}/${network}`;

/**
 * Runs a replication: per destination, one read of the source and of the destination, a diff per scope, and one
 * validated write for all changed scopes (all or nothing on config-file vendors). Outcomes are saved after each
 * destination, so a retry (after a crash or a destination that was down) skips what is done.
 */
@Injectable()
export class ReplicateJob implements JobHandler, OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: JobHandlerRegistry,
    private readonly replications: ReplicationsService,
    private readonly servers: ServersService,
    private readonly drivers: DriverRegistry,
    private readonly locks: ServerLockService,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.registry.register('replication', 'replicate', this);
  }

  async run(record: JobRecordEntity, context: JobRunContext): Promise<JobResult> {
    const request = record.request as unknown as ReplicationRequest;
    const outcomes = { ...((record.outcome['scopes'] as Record<string, ScopeOutcome> | undefined) ?? {}) };
    const legs = planReplication(request, await this.replications.managedRelationships());
    let parts: ReplicationRequest['parts'];
    try {
      // Checked again when it runs: a grant withdrawn since the request narrows or stops the job.
      const now = await this.replications.allowedParts(request, legs, record.requestedBy ?? '');
      parts = request.parts.filter((part) => now.includes(part));
    } catch (error) {
      const problem = toProblem(error);
      return {
        state: 'failed',
        error: `Permission withdrawn: ${problem?.detail ?? String(error)}`,
        outcome: { scopes: outcomes },
      };
    }
    let cancelled = false;
    for (const leg of legs) {
      if (await context.cancelRequested()) {
        cancelled = true;
        break;
      }
      cancelled = await this.runLeg(record, request, leg, parts, outcomes, context);
      await this.save(record.id, outcomes, context);
      if (cancelled) break;
    }
    return finish(outcomes, cancelled);
  }

  private async runLeg(
    record: JobRecordEntity,
    request: ReplicationRequest,
    leg: ReplicationLeg,
    parts: ReplicationRequest['parts'],
    outcomes: Record<string, ScopeOutcome>,
    context: JobRunContext,
  ): Promise<boolean> {
    let cancelled = false;
    const [source, destination] = await Promise.all([
      this.servers.target(leg.sourceServerId),
      this.servers.target(leg.destinationServerId),
    ]);
    const base = {
      relationshipId: leg.relationshipId,
      sourceServerId: source.id,
      destinationServerId: destination.id,
    };
    const partsLeftAlone =
      parts.length < SCOPE_PARTS.length ? SCOPE_PARTS.filter((part) => !parts.includes(part)) : undefined;
    let attempted: string[] = leg.networks ?? [];
    try {
      await this.locks.withServers([source.id, destination.id], async () => {
        const sourceScopes = await this.drivers.get(source.vendor).readScopes(source, leg.networks);
        attempted = leg.networks ?? [...sourceScopes.keys()];
        for (const network of leg.networks ?? []) {
          if (!sourceScopes.has(network)) {
            outcomes[keyOf(leg, network)] = {
              ...base,
              network,
              state: 'skipped',
              reason: `${source.name} has no scope ${network}`,
            };
          }
        }
        const pending = [...sourceScopes.keys()].filter(
          (network) => !FINAL.has(outcomes[keyOf(leg, network)]?.state ?? 'failed'),
        );
        if (pending.length === 0) return;
        const destinationScopes = await this.drivers.get(destination.vendor).readScopes(destination, pending);
        const writes: ScopeWrite[] = [];
        for (const network of pending) {
          const content = sourceScopes.get(network)!;
          const previous = outcomes[keyOf(leg, network)];
          let diff = diffScope(destinationScopes.get(network), content, parts);
          // A write was in flight when an earlier attempt died: it may have landed (the diff is now empty) or not.
          // Writing again is harmless either way and makes sure the server persisted it; the record keeps the
          // diff that write made.
          const interrupted = previous?.state === 'writing';
          if (interrupted && diff.unchanged) diff = previous.diff as typeof diff;
          const state =
            diff.unchanged && !interrupted ? 'unchanged' : request.dryRun ? 'would-replace' : 'replaced';
          outcomes[keyOf(leg, network)] = {
            ...base,
            network,
            state,
            diff,
            ...(partsLeftAlone ? { partsLeftAlone } : {}),
          };
          if (state === 'replaced') writes.push({ content, parts });
        }
        if (writes.length === 0) return;
        if (await context.cancelRequested()) {
          for (const write of writes) {
            const network = write.content.subnet.split('/')[0];
            outcomes[keyOf(leg, network)] = {
              ...base,
              network,
              state: 'skipped',
              reason: 'cancelled before the write',
            };
          }
          cancelled = true;
          return;
        }
        // Write-ahead: a worker killed from here on leaves `writing`, which the next attempt resolves.
        const written = writes.map((write) => keyOf(leg, write.content.subnet.split('/')[0]));
        for (const key of written) outcomes[key] = { ...outcomes[key], state: 'writing' };
        await this.save(record.id, outcomes, context);
        const digests = await this.drivers.get(destination.vendor).writeScopes(destination, writes, {
          principalId: record.requestedBy ?? '',
          correlationId: record.id,
        });
        await this.dataSource.transaction((manager) =>
          this.audit.record(manager, {
            action: 'replication.written',
            targetType: 'server',
            targetId: destination.id,
            principalId: record.requestedBy,
            correlationId: record.id,
            details: {
              jobId: record.id,
              source: source.id,
              networks: writes.map((write) => write.content.subnet),
              ...digests,
            },
          }),
        );
        for (const key of written) outcomes[key] = { ...outcomes[key], state: 'replaced' };
      });
    } catch (error) {
      if (
        error instanceof DriverError &&
        error.retryable &&
        context.attempt < (DEFAULT_JOB_OPTIONS.attempts ?? 1)
      ) {
        throw error; // Retried with backoff; what is final in the saved outcomes is skipped next time.
      }
      const problem = toProblem(error);
      if (!problem) throw error;
      // Scopes are named when the source could be read; otherwise the leg fails as a whole ('*').
      for (const network of attempted.length > 0 ? attempted : ['*']) {
        const previous = outcomes[keyOf(leg, network)]?.state;
        // The write is all or nothing: scopes it was to replace are failures, like scopes never reached.
        if (
          previous === undefined ||
          previous === 'writing' ||
          previous === 'replaced' ||
          previous === 'failed'
        ) {
          outcomes[keyOf(leg, network)] = { ...base, network, state: 'failed', reason: problem.detail };
        }
      }
    }
    return cancelled;
  }

  private async save(
    id: string,
    outcomes: Record<string, ScopeOutcome>,
    context: JobRunContext,
  ): Promise<void> {
    const all = Object.values(outcomes);
    await this.dataSource.getRepository(JobRecordEntity).update({ id }, { outcome: { scopes: outcomes } });
    await context.progress(all.filter((outcome) => FINAL.has(outcome.state)).length, all.length);
  }
}

function finish(outcomes: Record<string, ScopeOutcome>, cancelled: boolean): JobResult {
  const all = Object.values(outcomes);
  const failed = all.filter((outcome) => outcome.state === 'failed').length;
  const state = cancelled
    ? 'cancelled'
    : failed === 0
      ? 'succeeded'
      : failed === all.length
        ? 'failed'
        : 'partially_succeeded';
  return { state, outcome: { scopes: outcomes } };
}
