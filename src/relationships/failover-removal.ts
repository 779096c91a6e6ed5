import { ProblemException } from '../common/problem/problem.exception.js';
import type { FailoverOperations, FailoverRemoval, ServerTarget } from '../vendors/driver.js';
import { serverProblem } from './failover-writes.js';

/**
 * A relationship's removal where a server may hold several failover configurations (ISC peers): what names the
 * relationship's follows the vendor's rule (the seed's delete-peer rule), and where the rule needs the caller to choose,
 * the choice is asked for, for both servers at once, before either is written.
 */

/** How a caller names one server's replacement: `<serverId>:<peer name>` (a UUID has no colon). */
export const REPLACEMENT_FORMAT = '<serverId>:<peer name>';

/**
 * The `replacement` query values as server id → peer name; a 400 on `query.replacement` for a value not in
 * {@link REPLACEMENT_FORMAT}, a server not in the relationship, one named twice, or a vendor without the choice.
 */
export function replacementsOf(
  values: readonly string[] | undefined,
  members: ReadonlyArray<{ serverId: string }>,
  vendorChooses: boolean,
): Map<string, string> {
  const replacements = new Map<string, string>();
  if (!values || values.length === 0) return replacements;
  const refuse = (message: string): ProblemException =>
    ProblemException.validation([{ field: 'query.replacement', message }]);
  if (!vendorChooses) {
    throw refuse(
      'only an ISC relationship takes replacement (the failover peer its pools refer to instead); remove it',
    );
  }
  const ids = members.map((member) => member.serverId);
  for (const value of values) {
    const colon = value.indexOf(':');
    const [serverId, peer] = colon === -1 ? [value, ''] : [value.slice(0, colon), value.slice(colon + 1)];
    if (!peer) throw refuse(`"${value}" is not ${REPLACEMENT_FORMAT}`);
    if (!ids.includes(serverId)) {
      throw refuse(`server ${serverId} is not in the relationship; name one of ${ids.join(', ')}`);
    }
    if (replacements.has(serverId))
      throw refuse(`server ${serverId} is named twice; name one peer per server`);
    replacements.set(serverId, peer);
  }
  return replacements;
}

/**
 * What removing each server's `peerNames[i]` with the caller's `replacements` would do, read from the servers and
 * nothing written: a 409 naming every server that needs a choice and its choices, or a server's problem (unreadable,
 * a replacement it does not have) with "Nothing was changed."
 */
export async function assertRemovable(
  failover: FailoverOperations,
  targets: readonly ServerTarget[],
  peerNames: readonly string[],
  replacements: ReadonlyMap<string, string>,
  relationship: string,
): Promise<void> {
  if (!failover.planFailoverRemoval) return;
  const plans: FailoverRemoval[] = [];
  for (const [i, target] of targets.entries()) {
    plans.push(
      await failover
        .planFailoverRemoval(target, peerNames[i], replacements.get(target.id))
        .catch((error: unknown) => Promise.reject(serverProblem(target, error, 'Nothing was changed.', []))),
    );
  }
  const needed = targets.flatMap((target, i) =>
    plans[i].outcome === 'choice-needed' ? [{ target, plan: plans[i] }] : [],
  );
  if (needed.length > 0) throw choiceNeeded(needed, relationship);
}

function choiceNeeded(
  needed: ReadonlyArray<{ target: ServerTarget; plan: FailoverRemoval }>,
  relationship: string,
): ProblemException {
  const each = needed.map(
    ({ target, plan }) =>
      `on ${target.name}, ${plan.pools} pool(s) (${plan.scopes.join(', ') || 'no subnet'}) refer to failover peer ` +
      `"${plan.name}" and ${plan.choices?.length ?? 0} other peers are left: name the one they refer to instead ` +
      `with ?replacement=${target.id}:<peer> (one of ${(plan.choices ?? []).map((c) => `"${c}"`).join(', ')})`,
  );
  return ProblemException.conflict(
    `Removing relationship "${relationship}" needs a choice the seed's delete-peer rule leaves to you: ` +
      `${each.join('; ')}. Nothing was changed.`,
    {
      replacements: needed.map(({ target, plan }) => ({
        serverId: target.id,
        serverName: target.name,
        peer: plan.name,
        choices: plan.choices ?? [],
        pools: plan.pools,
        scopes: plan.scopes,
      })),
    },
  );
}

/** One sentence per server whose pools now refer to another peer, for the answer's detail. */
export function movedReferences(
  targets: readonly ServerTarget[],
  removals: ReadonlyArray<FailoverRemoval | undefined>,
): string {
  return targets
    .flatMap((target, i) => {
      const removal = removals[i];
      if (removal?.outcome !== 'references-moved' || removal.replacement === undefined) return [];
      return [
        ` On ${target.name}, ${removal.pools} pool(s) that named "${removal.name}" refer to "${removal.replacement}" now.`,
      ];
    })
    .join('');
}
