import type { CopyLeg, DhcpDriver } from '../vendors/driver.js';
import type { ScopeContent, ScopePart } from '../vendors/scope-content.js';

/**
 * Each refused scope's reason (DhcpDriver.refuseCopy), by network, for the source's `scopes` of one write. Each is
 * asked with the scopes the write would replace alongside it (those `written` says the write takes); a refused scope
 * is not written, so whatever another's answer counted on it changing (ISC: a host name it takes away) does not
 * happen: the others are asked again without it, until no more is refused.
 */
export function copyRefusals(
  driver: Pick<DhcpDriver, 'refuseCopy'>,
  destination: ReadonlyMap<string, ScopeContent>,
  scopes: ReadonlyMap<string, ScopeContent>,
  written: (network: string) => boolean,
  parts: readonly ScopePart[],
  leg: CopyLeg,
): Map<string, string> {
  const refusals = new Map<string, string>();
  if (!driver.refuseCopy) return refusals;
  let alongside: ReadonlyMap<string, ScopeContent> = new Map(
    [...scopes].filter(([network]) => written(network)),
  );
  // Each pass after the first follows a refusal of a scope that was alongside: at most one pass per scope.
  for (let again = true; again;) {
    again = false;
    for (const [network, content] of scopes) {
      if (refusals.has(network)) continue;
      const reason = driver.refuseCopy(destination, content, parts, leg, alongside);
      if (reason === undefined) continue;
      refusals.set(network, reason);
      if (!alongside.has(network)) continue;
      // A new map, not the old one changed: a driver may keep what it made of one (its subnets) by identity.
      alongside = new Map([...alongside].filter(([key]) => key !== network));
      again = true;
    }
  }
  return refusals;
}
