/**
 * The fields a request gave: a DTO instance carries every declared field (ES2022 class fields), `undefined` when the
 * body left it out.
 */
export function givenFields<T extends object>(dto: T): Partial<T> {
  return Object.fromEntries(Object.entries(dto).filter(([, value]) => value !== undefined)) as Partial<T>;
}
