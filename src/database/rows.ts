import { type EntityManager, type EntityTarget, type ObjectLiteral, QueryFailedError } from 'typeorm';
import { ProblemException } from '../common/problem/problem.exception.js';

/** Loads a row for update inside the caller's transaction, or answers 404. */
export async function lockRow<T extends ObjectLiteral & { id: string }>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  id: string,
  what: string,
): Promise<T> {
  const row = await manager.findOne(entity, { where: { id } as never, lock: { mode: 'pessimistic_write' } });
  if (!row) {
    throw ProblemException.notFound(what, id);
  }
  return row;
}

export async function findRow<T extends ObjectLiteral & { id: string }>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  id: string,
  what: string,
): Promise<T> {
  const row = await manager.findOne(entity, { where: { id } as never });
  if (!row) {
    throw ProblemException.notFound(what, id);
  }
  return row;
}

/** Turns a unique-constraint violation into a 409 that says what collided. */
export function conflictOnDuplicate(error: unknown, detail: string): never {
  if (
    error instanceof QueryFailedError &&
    (error.driverError as { code?: string } | undefined)?.code === '23505'
  ) {
    throw ProblemException.conflict(detail);
  }
  throw error;
}

/** Escapes `%`, `_` and `\` for a LIKE pattern built from user input. */
export function likePattern(fragment: string): string {
  return `%${fragment.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
