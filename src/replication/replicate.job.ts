import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { collectGarbage } from '../common/memory/collect-garbage.js';
import { toProblem } from '../common/problem/problem-mapping.js';
import { JobHandlerRegistry } from '../jobs/job-handler.registry.js';
import type { JobHandler, JobResult, JobRunContext } from '../jobs/job-handler.js';
import { DEFAULT_JOB_OPTIONS } from '../jobs/job-options.constants.js';
import { JobRecordEntity } from '../jobs/job-record.entity.js';
import { RelationshipEntity } from '../relationships/relationship.entity.js';
import { ServerLockService } from '../servers/server-lock.service.js';
import { ServersService } from '../servers/servers.service.js';
import { DriverError } from '../vendors/driver-error.js';
import { DriverRegistry } from '../vendors/driver-registry.js';
import type { ScopeWrite, ServerTarget, WriteDigests } from '../vendors/driver.js';
import { SCOPE_PARTS, scopeNetwork, type ScopeContent } from '../vendors/scope-content.js';
import { planReplication, type ReplicationLeg } from './replication-plan.js';
import type { ReplicationRequest, ScopeOutcome } from './replication-request.js';
import { LegClock } from './leg-clock.js';
import { ReplicationBook, SETTLED } from './replication-book.js';
import { deferredDiff, makeDeferredDiffs, type DeferredDiff } from './deferred-diff.js';
import { diffScope, unchangedDiff, type ScopeDiff } from './scope-diff.js';
import { ReplicationsService } from './replications.service.js';
import { copyRefusals } from './copy-refusals.js';

const keyOf = (leg: ReplicationLeg, network: string): string => `${leg.relationshipId}/${network}`;

/** From this many scopes a leg asks for a full garbage collection between its phases (see collectGarbage). */
const LARGE_LEG_SCOPES = 200;
/** How long after a leg its collection runs. */
const COLLECT_AFTER_LEG_MS = 50;

/** A leg's two servers, and what every scope outcome of the leg records about them. */
interface LegSides {
  source: ServerTarget;
  destination: ServerTarget;
  base: Pick<ScopeOutcome, 'relationshipId' | 'sourceServerId' | 'destinationServerId'>;
}

/** One leg of a job (a source and a destination), and what the job runs it with. */
interface LegPlan {
  request: ReplicationRequest;
  leg: ReplicationLeg;
  /** The scope parts this job may replace. */
  parts: ReplicationRequest['parts'];
  book: ReplicationBook;
  timing: LegClock;
  /** Keys of the scopes this attempt refused before writing (DhcpDriver.refuseCopy): their reason is their own. */
  refused: Set<string>;
}

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

  presentDiffs(
    diffs: Readonly<Record<string, unknown>>,
  ): Promise<{ made: Record<string, unknown>; failed: Record<string, unknown> }> {
    return makeDeferredDiffs(diffs, this.drivers);
  }

  async run(record: JobRecordEntity, context: JobRunContext): Promise<JobResult> {
    const request = record.request as unknown as ReplicationRequest;
    const book = await ReplicationBook.load(this.dataSource, record);
    let legs: ReplicationLeg[];
    try {
      legs = planReplication(request, await this.replications.managedRelationships());
    } catch (error) {
      // The relationship was removed (or changed) since the request: no retry can succeed.
      const problem = toProblem(error);
      if (!problem) throw error;
      return book.result(false, `The replication no longer applies: ${problem.detail}`);
    }
    if (legs.length === 0) {
      return book.result(
        false,
        'The replication no longer applies: the source server is in no managed failover relationship now',
      );
    }
    let parts: ReplicationRequest['parts'];
    try {
      // Checked again when it runs: a grant withdrawn since the request narrows or stops the job.
      const now = await this.replications.allowedParts(request, legs, record.requestedBy ?? '');
      parts = request.parts.filter((part) => now.includes(part));
    } catch (error) {
      const problem = toProblem(error);
      return book.result(false, `Permission withdrawn: ${problem?.detail ?? String(error)}`);
    }
    let cancelled = false;
    const gone: string[] = [];
    for (const leg of legs) {
      if (await context.cancelRequested()) {
        cancelled = true;
        break;
      }
      const timing = new LegClock();
      const ran = await this.runLeg(record, request, leg, parts, book, timing, context);
      cancelled = ran === 'cancelled';
      if (typeof ran === 'object') gone.push(ran.gone);
      book.timings[`${leg.relationshipId}/${leg.destinationServerId}`] = timing.report();
      await book.save(this.dataSource, record.id, context);
      if (cancelled) break;
    }
    // Every leg's relationship went while the job waited for its servers (a single one for a scope or relationship
    // replication): nothing was written, and no retry can succeed.
    if (!cancelled && gone.length === legs.length) {
      return book.result(false, `The replication no longer applies: ${gone.join('; ')}`);
    }
    return book.result(cancelled);
  }

  /**
   * Why a leg no longer applies, checked under both servers' lock just before its reads: its relationship was
   * removed (or stopped being managed, or no longer pairs these two servers) since the job was planned. A
   * relationship DELETE takes the same locks, so a leg either finishes before the removal starts or sees it here.
   */
  private async legGone(leg: ReplicationLeg): Promise<string | undefined> {
    const relationship = await this.dataSource.getRepository(RelationshipEntity).findOne({
      where: { id: leg.relationshipId, discovered: false },
    });
    if (!relationship) {
      return `relationship ${leg.relationshipId} was removed (or is no longer managed) after the job was planned; nothing was written`;
    }
    const members = relationship.servers.map((member) => member.serverId);
    if (!members.includes(leg.sourceServerId) || !members.includes(leg.destinationServerId)) {
      return `relationship "${relationship.name}" no longer pairs these two servers; nothing was written`;
    }
    return undefined;
  }

  private async runLeg(
    record: JobRecordEntity,
    request: ReplicationRequest,
    leg: ReplicationLeg,
    parts: ReplicationRequest['parts'],
    book: ReplicationBook,
    timing: LegClock,
    context: JobRunContext,
  ): Promise<'cancelled' | 'done' | { gone: string }> {
    const outcomes = book.scopes;
    let cancelled = false;
    let gone: string | undefined;
    const [source, destination] = await Promise.all([
      this.servers.target(leg.sourceServerId),
      this.servers.target(leg.destinationServerId),
    ]);
    const base = {
      relationshipId: leg.relationshipId,
      sourceServerId: source.id,
      destinationServerId: destination.id,
    };
    let attempted: string[] = leg.networks ?? [];
    /** The subnets (CIDR) of the write sent to the destination, once one is. */
    let sent: string[] = [];
    const refused = new Set<string>();
    try {
      await this.locks.withServers([source.id, destination.id], async () => {
        timing.lap('lockWait');
        gone = await this.legGone(leg);
        if (gone) {
          // The leg's scopes are not known (the source is not read): the leg is skipped as a whole ('*').
          outcomes[keyOf(leg, '*')] = { ...base, network: '*', state: 'skipped', reason: gone };
          return;
        }
        try {
          const writes = await this.readAndDiff(
            { request, leg, parts, book, timing, refused },
            { source, destination, base },
            (networks) => {
              attempted = networks;
            },
          );
          if (writes.length === 0) return;
          const networks = writes.map((write) => scopeNetwork(write.content.subnet));
          const written = networks.map((network) => keyOf(leg, network));
          if (await context.cancelRequested()) {
            for (const network of networks) {
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
          // Write-ahead: a worker killed once the server's configuration changes leaves `writing`, which the next
          // attempt resolves. The record is saved while the driver prepares and validates the write, and the driver
          // awaits it before it changes anything live (beforeCommit).
          for (const key of written) outcomes[key] = { ...outcomes[key], state: 'writing' };
          const saving = book.save(this.dataSource, record.id, context).then(() => timing.lap('save'));
          saving.catch(() => undefined); // handled below; this keeps an early failure from counting as unhandled
          let digests: WriteDigests;
          sent = writes.map((write) => write.content.subnet);
          try {
            digests = await this.drivers.get(destination.vendor).writeScopes(destination, writes, {
              principalId: record.requestedBy ?? '',
              correlationId: record.id,
              source,
              native: request.nativeReplication !== false,
              beforeCommit: () => saving,
              // The reads' garbage, before the write's, where the driver wants it (see WriteContext); once the save
              // took the diffs (as text), so that the destination's scopes they held go too.
              ...(attempted.length >= LARGE_LEG_SCOPES ? { housekeeping: collectGarbage } : {}),
            });
          } finally {
            // Never two saves of the record at once: a failure's outcome is saved after this one, not under it.
            await saving.catch(() => undefined);
          }
          await saving; // a driver with nothing to commit did not wait for it: its failure is the job's
          await this.recordWrite(
            record,
            { source, destination },
            {
              networks: sent,
              ...digests,
            },
          );
          timing.lap('write');
          for (const key of written) outcomes[key] = { ...outcomes[key], state: 'replaced' };
        } finally {
          // A read kept for a write that did not happen (nothing to change, or a failure first) is let go now, under
          // the lock it was made under: a later job's kept read of the server is not this one's to release.
          this.drivers.get(destination.vendor).releaseRead?.(destination);
        }
      });
      // The leg's garbage, once the lock's callback is done and its scopes (both sides') are let go: a moment later,
      // so that the job's record (or the next leg's reads) is on its way first, not behind a full collection.
      if (attempted.length >= LARGE_LEG_SCOPES) setTimeout(collectGarbage, COLLECT_AFTER_LEG_MS).unref();
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
      // A write that could not be all or nothing (Windows) says which scopes landed and why each other did not.
      const partial = error instanceof DriverError ? error.scopes : undefined;
      // Scopes written half-way are changes too (the server may hold part of them): audited with those that landed.
      const halfWritten = partial?.halfWritten ?? [];
      if (partial && (partial.written.length > 0 || halfWritten.length > 0)) {
        await this.recordWrite(
          record,
          { source, destination },
          { networks: partial.written, ...(halfWritten.length > 0 ? { halfWritten } : {}), partial: true },
        );
      } else if (error instanceof DriverError && error.leftChanged && sent.length > 0) {
        // A failed write that could not be undone (ISC: the restart failed and so did the restore) is live on the
        // server all the same: the trail records it.
        await this.recordWrite(record, { source, destination }, { networks: sent, leftChanged: true });
      }
      // Scopes are named when the source could be read; otherwise the leg fails as a whole ('*').
      for (const network of attempted.length > 0 ? attempted : ['*']) {
        if (refused.has(keyOf(leg, network))) continue;
        const previous = outcomes[keyOf(leg, network)]?.state;
        if (partial?.written.includes(network) && previous === 'writing') {
          outcomes[keyOf(leg, network)] = { ...outcomes[keyOf(leg, network)], state: 'replaced' };
          continue;
        }
        const reason = partial?.failed[network] ?? problem.detail;
        // The write is all or nothing: scopes it was to replace are failures, like scopes never reached.
        if (
          previous === undefined ||
          previous === 'writing' ||
          previous === 'replaced' ||
          previous === 'failed'
        ) {
          outcomes[keyOf(leg, network)] = { ...base, network, state: 'failed', reason };
        }
      }
    }
    return gone ? { gone } : cancelled ? 'cancelled' : 'done';
  }

  /** The audit event of a write to the destination (whole, or the scopes that landed of one that failed part-way). */
  private recordWrite(
    record: JobRecordEntity,
    { source, destination }: Pick<LegSides, 'source' | 'destination'>,
    details: Record<string, unknown>,
  ): Promise<void> {
    return this.dataSource.transaction((manager) =>
      this.audit.record(manager, {
        action: 'replication.written',
        targetType: 'server',
        targetId: destination.id,
        principalId: record.requestedBy,
        correlationId: record.id,
        details: { jobId: record.id, source: source.id, ...details },
      }),
    );
  }

  /**
   * Reads both sides (at once) and diffs each pending scope, recording outcomes and diffs in the book; returns the
   * writes to make. Its own method so that both sides' scope maps can be let go before the write.
   */
  private async readAndDiff(
    { request, leg, parts, book, timing, refused }: LegPlan,
    { source, destination, base }: LegSides,
    attempted: (networks: string[]) => void,
  ): Promise<ScopeWrite[]> {
    const outcomes = book.scopes;
    const partsLeftAlone =
      parts.length < SCOPE_PARTS.length ? SCOPE_PARTS.filter((part) => !parts.includes(part)) : undefined;
    // Both sides are read at once: the destination's scopes not pending are mapped for nothing, which costs
    // less than a second round trip would. The destination's read is kept for the write, or, for a dry run, made so
    // that it can be compared as a copy.
    const [sourceRead, destinationRead] = await Promise.allSettled([
      this.drivers.get(source.vendor).readScopes(source, leg.networks, { forCopy: true }),
      this.drivers
        .get(destination.vendor)
        .readScopes(destination, leg.networks, request.dryRun ? { forCopy: true } : { keepForWrite: true }),
    ]);
    timing.lap('read');
    if (sourceRead.status === 'rejected') throw sourceRead.reason;
    // Only the relationship's scopes are copied (all of them where it covers the whole server, Kea). A scope the
    // caller named that the source lacks or holds outside the relationship fails with the reason: what was asked
    // cannot be done, and a pipeline reading only the job's state must not see it succeed.
    const driver = this.drivers.get(source.vendor);
    const inRelationship = (content: ScopeContent): boolean =>
      driver.inRelationship?.(content, leg.sourcePeerName) ?? true;
    for (const network of leg.networks ?? []) {
      const content = sourceRead.value.get(network);
      const reason = !content
        ? `${source.name} has no scope ${network}`
        : !inRelationship(content)
          ? `scope ${network} on ${source.name} is not in this relationship ("${leg.sourcePeerName}" there)`
          : undefined;
      if (reason) {
        outcomes[keyOf(leg, network)] = { ...base, network, state: 'failed', reason };
        refused.add(keyOf(leg, network)); // its own reason stays, whatever fails later
      }
    }
    const sourceScopes = new Map([...sourceRead.value].filter(([, content]) => inRelationship(content)));
    // Known before the destination's answer is looked at, so that its failure names every scope.
    attempted(leg.networks ?? [...sourceScopes.keys()]);
    if (destinationRead.status === 'rejected') throw destinationRead.reason;
    const destinationScopes = destinationRead.value;
    const pending = [...sourceScopes.keys()].filter(
      (network) => !SETTLED.has(outcomes[keyOf(leg, network)]?.state ?? 'failed'),
    );
    if (pending.length === 0) return [];
    const writes: ScopeWrite[] = [];
    const destinationDriver = this.drivers.get(destination.vendor);
    // What the destination would refuse fails here, for a dry run too (with the write's reason), and nothing of it
    // is written; the others are (a write is all or nothing on ISC). Said the same way on every run until the cause
    // is fixed. Asked with the scopes the write takes alongside (not one it would skip, below).
    const refusals = copyRefusals(
      destinationDriver,
      destinationScopes,
      new Map(pending.map((network) => [network, sourceScopes.get(network)!])),
      (network) => destinationScopes.has(network) || !partsLeftAlone,
      parts,
      { relationshipId: leg.relationshipId, source, destination },
    );
    for (const network of pending) {
      const content = sourceScopes.get(network)!;
      const previous = outcomes[keyOf(leg, network)];
      const before = destinationScopes.get(network);
      const refusal = refusals.get(network);
      if (refusal) {
        outcomes[keyOf(leg, network)] = {
          ...base,
          network,
          state: 'failed',
          reason: refusal,
          ...(partsLeftAlone ? { partsLeftAlone } : {}),
        };
        refused.add(keyOf(leg, network));
        continue;
      }
      if (!before && partsLeftAlone) {
        // Creating the scope would bring every part along (or leave a subnet neither side has): it takes them all.
        outcomes[keyOf(leg, network)] = {
          ...base,
          network,
          state: 'skipped',
          reason:
            `${destination.name} has no scope ${network}: creating it copies every part, and this replication ` +
            `may copy only ${parts.join(', ')} (it needs the permission bits of ${partsLeftAlone.join(', ')} too)`,
        };
        continue;
      }
      // A write was in flight when an earlier attempt died: it may have landed (the diff is now empty) or not.
      // Writing again is harmless either way and makes sure the server persisted it; the record keeps the
      // diff that write made. Whether it landed is told by the model (a landed edit may leave the declaration's
      // text unlike the source's).
      const interrupted = previous?.state === 'writing';
      // Some parts alone may not copy as the source has them (ISC ranges): the diff is then against what the write
      // leaves, so that it tells what changes and a later run finds nothing new; the outcome says what stays behind.
      const partial =
        before && partsLeftAlone ? destinationDriver.partialCopy?.(before, content, parts) : undefined;
      // Servers of one vendor may be compared by their own declarations, which costs a fraction of mapping both
      // to the model; the diff is then made from them when the job's details are read (deferred-diff.ts).
      const compared =
        interrupted || partial ? undefined : destinationDriver.compareCopy?.(before, content, parts);
      let diff: ScopeDiff | DeferredDiff = !compared
        ? diffScope(before, partial?.content ?? content, parts)
        : compared.same
          ? unchangedDiff(parts)
          : deferredDiff(destination.vendor, parts, compared.evidence);
      if (interrupted && diff.unchanged) diff = (book.diffOf(keyOf(leg, network)) as typeof diff) ?? diff;
      const state =
        diff.unchanged && !interrupted ? 'unchanged' : request.dryRun ? 'would-replace' : 'replaced';
      // Copies that differ where no write reaches (Kea: subnet ids) are said, replaced or not.
      const outOfStep = before
        ? destinationDriver.copiesConflict?.(before, content, {
            relationshipId: leg.relationshipId,
            source,
            destination,
          })
        : undefined;
      outcomes[keyOf(leg, network)] = {
        ...base,
        network,
        state,
        ...(partsLeftAlone ? { partsLeftAlone } : {}),
        ...(partial ? { notCopied: partial.notCopied } : {}),
        ...(outOfStep ? { outOfStep } : {}),
      };
      book.setDiff(keyOf(leg, network), diff);
      if (state === 'replaced') writes.push({ content, parts });
    }
    timing.lap('diff');
    return writes;
  }
}
