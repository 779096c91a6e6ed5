import type { EntityManager } from 'typeorm';

/** Key of the advisory lock below ("dfm" and 1): an arbitrary constant, unique within this service's database. */
const ADMINISTRATORS_LOCK = 0x64666d01;

/**
 * Serializes the changes that can take away a global administrator (disabling or deleting a principal, deleting an
 * Administrators grant) until the caller's transaction ends. Each such change counts the administrators left after it;
 * without this, two at once would each see the other's administrator still there, and both go through.
 */
export async function lockAdministrators(manager: EntityManager): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock($1)', [ADMINISTRATORS_LOCK]);
}
