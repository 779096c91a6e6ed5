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

/**
 * Names (of principals, roles, servers, relationships) are unique whatever their case and kept as given (a unique
 * index on lower(name)): a 409 naming the row that has `name` already, in this or another case (`existingId`),
 * other than `exceptId`. Two requests at once are told apart by the index: {@link conflictOnDuplicate} with
 * {@link nameTakenDetail}.
 */
export async function assertNameFree(
  manager: EntityManager,
  entity: EntityTarget<ObjectLiteral>,
  what: string,
  name: string,
  exceptId?: string,
): Promise<void> {
  const taken = await nameHolder(manager, entity, name, exceptId);
  if (taken) {
    throw ProblemException.conflict(
      taken.name === name
        ? `A ${what} named "${name}" exists already (${taken.id})`
        : `A ${what} named "${taken.name}" exists already (${taken.id}); names are unique whatever their case, ` +
            `so "${name}" is taken`,
      { existingId: taken.id },
    );
  }
}

/** The row (other than `exceptId`) that has `name` in this or another case, the rule the unique index holds to. */
export async function nameHolder(
  manager: EntityManager,
  entity: EntityTarget<ObjectLiteral>,
  name: string,
  exceptId?: string,
): Promise<{ id: string; name: string } | undefined> {
  const { tableName } = manager.connection.getMetadata(entity);
  const [taken]: Array<{ id: string; name: string }> = await manager.query(
    `SELECT id, name FROM "${tableName}" WHERE lower(name) = lower($1) AND id IS DISTINCT FROM $2::uuid LIMIT 1`,
    [name, exceptId ?? null],
  );
  return taken;
}

/** The 409's detail when the unique index on lower(name) refuses `name` (a row made meanwhile). */
export function nameTakenDetail(what: string, name: string): string {
  return `A ${what} named "${name}", in this or another case, exists already`;
}

/** Escapes `%`, `_` and `\` for a LIKE pattern built from user input. */
export function likePattern(fragment: string): string {
  return `%${fragment.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
