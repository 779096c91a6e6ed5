import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Actor } from '../auth/actor.js';
import type { AuditService } from '../audit/audit.service.js';
import { ProblemException } from '../common/problem/problem.exception.js';
import { toProblem } from '../common/problem/problem-mapping.js';
import { DriverError } from '../vendors/driver-error.js';
import type {
  FailoverChange,
  FailoverOperations,
  FailoverSpec,
  ServerTarget,
  WriteContext,
} from '../vendors/driver.js';

/** Writes that span both servers of a relationship: all or nothing, with the first server restored on failure. */
export function writeContext(actor: Actor): WriteContext {
  return { principalId: actor.principalId, correlationId: actor.correlationId };
}

export function applyToBoth(
  failover: FailoverOperations,
  spec: FailoverSpec,
  actor: Actor,
  rolledBack?: RolledBackAudit,
): Promise<FailoverChange[]> {
  return allOrNothing(
    spec.sides.map((side) => side.target),
    (_target, index) => failover.applyFailover(index as 0 | 1, spec, writeContext(actor)),
    rolledBack,
  );
}

/**
 * Changes the servers one after the other; when one fails, those already changed are restored to what they had,
 * and the problem says so.
 */
export async function allOrNothing<C extends FailoverChange>(
  targets: ServerTarget[],
  change: (target: ServerTarget, index: number) => Promise<C>,
  rolledBack?: RolledBackAudit,
): Promise<C[]> {
  const done: C[] = [];
  for (const [index, target] of targets.entries()) {
    try {
      done.push(await change(target, index));
    } catch (error) {
      const restored = await Promise.allSettled(done.map((previous) => previous.undo()));
      // The servers written and put back were changed twice (and restarted twice): the trail says so.
      await rolledBack?.(
        done.map((previous, i) => ({
          target: targets[i],
          change: previous,
          restored: restored[i].status === 'fulfilled',
        })),
        target,
      );
      const names = targets.slice(0, done.length).map((t) => t.name);
      const failedRestores = restored.filter((outcome) => outcome.status === 'rejected');
      const failedLeftChanged = error instanceof DriverError && error.leftChanged;
      const undoText =
        names.length === 0
          ? failedLeftChanged
            ? `${target.name} may be left changed; check it by hand.`
            : 'Nothing was changed.'
          : failedRestores.length === 0
            ? `${names.join(', ')} ${names.length === 1 ? 'was' : 'were'} restored to the previous configuration.`
            : `Restoring ${names.join(', ')} FAILED as well; check ${names.join(', ')} by hand.`;
      throw serverProblem(
        target,
        error,
        undoText,
        failedRestores.length === 0 ? targets.slice(0, done.length).map((t) => t.id) : [],
      );
    }
  }
  return done;
}

/**
 * The problem of one server of a relationship failing: its name in front of the detail, what became of the others
 * (`undoText`), `failedServerId` and the servers `restored`. Non-problem errors are thrown as they are.
 */
export function serverProblem(
  target: ServerTarget,
  error: unknown,
  undoText: string,
  restored: string[],
): ProblemException {
  const problem = toProblem(error);
  if (!problem) throw error;
  return new ProblemException(
    problem.status,
    problem.type,
    problem.title,
    `${namedOnce(target.name, problem.detail)} ${undoText}`,
    { ...problem.extensions, failedServerId: target.id, restored },
  );
}

/** Records, for each server written and then put back, that it was (see rolledBackAuditOf). */
export type RolledBackAudit = (
  undone: Array<{ target: ServerTarget; change: FailoverChange; restored: boolean }>,
  failed: ServerTarget,
) => Promise<void>;

const logger = new Logger('RelationshipRollback');

/**
 * One `relationship.rolled-back` audit event per server a relationship's `operation` wrote and then put back because
 * the other server failed: the digests of the write undone, the server that failed, and whether the restore worked.
 * Its own transaction: there is no relationship change to record beside it. A failure to record it does not hide the
 * server's problem from the caller.
 */
export function rolledBackAuditOf(
  dataSource: DataSource,
  audit: AuditService,
  actor: Actor,
  operation: 'create' | 'update' | 'delete',
  relationship: string,
): RolledBackAudit {
  return async (undone, failed) => {
    if (undone.length === 0) return;
    await dataSource
      .transaction(async (manager) => {
        for (const { target, change, restored } of undone) {
          await audit.record(manager, {
            action: 'relationship.rolled-back',
            targetType: 'server',
            targetId: target.id,
            ...actor,
            details: {
              operation,
              relationship,
              failedServerId: failed.id,
              restored,
              before: change.before,
              after: change.after,
            },
          });
        }
      })
      .catch((error: unknown) => {
        // The caller still gets the server's problem; the trail's gap is said where an operator looks.
        logger.error(
          `could not record relationship.rolled-back for ${operation} of "${relationship}" ` +
            `(servers put back: ${undone.map(({ target }) => target.name).join(', ')}; failed: ${failed.name}): ` +
            (error instanceof Error ? error.message : String(error)),
        );
      });
  };
}

/** `detail` as one sentence naming `server` once (a driver's message may name it already, or end in a full stop). */
function namedOnce(server: string, detail: string): string {
  const named = detail.startsWith(`${server}: `) ? detail : `${server}: ${detail}`;
  return /[.!?]$/.test(named) ? named : `${named}.`;
}

export function changeDigests(
  targets: ServerTarget[],
  changes: FailoverChange[],
): Array<Record<string, unknown>> {
  return targets.map((target, i) => ({
    serverId: target.id,
    before: changes[i]?.before,
    after: changes[i]?.after,
  }));
}
