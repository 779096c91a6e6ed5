import { isDeepStrictEqual } from 'node:util';

/**
 * The fields of a PATCH (see givenFields) whose value differs from the record's. A PATCH that sends values as they are
 * (a pipeline applying its desired state on every run) changes nothing: no new version, no audit event.
 */
export function changedFields<T extends object>(record: T, given: Partial<T>): Partial<T> {
  return Object.fromEntries(
    Object.entries(given).filter(([key, value]) => !isDeepStrictEqual(record[key as keyof T], value)),
  ) as Partial<T>;
}
