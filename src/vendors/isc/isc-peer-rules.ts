import { ProblemException } from '../../common/problem/problem.exception.js';
import type { ConfSet } from './conf/include-resolver.js';
import {
  readFailoverPeers,
  referAllPoolsTo,
  removeFailoverPeer,
  removePeerHba,
  removePeerReferences,
  repointPeerReferences,
  validateFailoverPeer,
  writeFailoverPeer,
  type IscFailoverPeer,
} from './conf/isc-peer.mapper.js';
import { findPeer, scopeOf, type PeerView } from './isc-peer-views.js';
import { migrateScope, scopeHoldingPool, type ScopeMigration } from './isc-pool-migration.js';

/**
 * The seed's failover-peer rules ("Managing Failover Configurations for ISC DHCP") as changes to one parsed dhcpd
 * configuration. Each function either changes the tree or throws a ProblemException before changing anything, so the
 * caller writes the result (one validated write) or nothing.
 */

export interface PeerPatch {
  role?: 'primary' | 'secondary';
  address?: string;
  port?: number;
  peerAddress?: string;
  peerPort?: number;
  maxResponseDelay?: number;
  maxUnackedUpdates?: number;
  /** `null` removes the statement. */
  mclt?: number | null;
  split?: number | null;
  loadBalanceMaxSeconds?: number | null;
}

export interface PeerCreation {
  peer: PeerView;
  /** True when it is the server's first peer: every other address pool now refers to it. */
  firstPeer: boolean;
  /** Pools given a reference by the first-peer rule. */
  poolsReferred: number;
  migrations: ScopeMigration[];
}

export interface PeerDeletion {
  name: string;
  /** `references-removed` (it was the last peer) or `references-moved` (to `replacement`). */
  outcome: 'references-removed' | 'references-moved';
  replacement?: string;
  /** Pools whose reference was removed or moved. */
  pools: number;
  /** The subnets (CIDR) whose pools named it. */
  scopes: string[];
}

/** The seed's field rules; a 400 with field errors when broken. */
export function assertValidPeer(
  peer: Partial<IscFailoverPeer>,
  options: { existingName?: boolean } = {},
): void {
  // An existing peer's name is the file's, whatever dhcpd takes (quotes and backslashes escaped): not the caller's
  // to fix, and written back only escaped (the declaration's header is never rewritten).
  const errors = validateFailoverPeer(peer).filter(
    (error) => !(options.existingName && error.field === 'name'),
  );
  if (errors.length > 0) throw ProblemException.validation(errors);
}

/**
 * A new peer. The server's first peer: every other address pool on the server is updated to refer to it. Any other
 * peer takes the pools of `scopes`, and the pools holding the addresses of `pools` (the seed's new peer made from a
 * pool's dialog), since dhcpd refuses a peer no pool names, with the rule of {@link migrateScope}.
 */
export function createPeer(
  set: ConfSet,
  peer: IscFailoverPeer,
  options: { scopes: string[]; pools?: string[]; confirmDeleteOldPeer: boolean; serverName: string },
): PeerCreation {
  const { confirmDeleteOldPeer, serverName } = options;
  const pools = options.pools ?? [];
  assertValidPeer(peer);
  const existing = readFailoverPeers(set);
  if (existing.some((candidate) => candidate.name === peer.name)) {
    throw ProblemException.conflict(`failover peer "${peer.name}" exists on ${serverName} already`);
  }
  const firstPeer = existing.length === 0;
  // dhcpd refuses a peer no pool refers to ("has no referring pools"): said here as what to send instead.
  if (!firstPeer && options.scopes.length === 0 && pools.length === 0) {
    throw ProblemException.validation([
      {
        field: 'scopes',
        message:
          `${serverName} has failover peers already, so a new one takes only the pools of the scopes ` +
          'named in scopes, or the pools holding the addresses in pools (dhcpd refuses a peer no pool refers to): ' +
          'name at least one scope or pool',
      },
    ]);
  }
  for (const network of options.scopes) scopeOf(set, network, serverName);
  // Each address picks its pool before anything is written.
  const pooled = pools.map((address) => ({
    network: scopeHoldingPool(set, address, serverName),
    address,
  }));
  writeFailoverPeer(set, peer);
  const poolsReferred = firstPeer ? referAllPoolsTo(set, peer.name) : 0;
  if (firstPeer && poolsReferred === 0) {
    throw ProblemException.conflict(
      `${serverName} has no address pool (no range outside dynamic-bootp) to refer to failover peer ` +
        `"${peer.name}", and dhcpd refuses a peer no pool refers to: add a range to a subnet first`,
    );
  }
  const migrations = firstPeer
    ? []
    : [
        ...options.scopes.map((network) =>
          migrateScope(set, network, peer.name, { confirmDeleteOldPeer }, serverName),
        ),
        ...pooled.map(({ network, address }) =>
          migrateScope(set, network, peer.name, { confirmDeleteOldPeer, pool: address }, serverName),
        ),
      ];
  return { peer: findPeer(set, peer.name, serverName), firstPeer, poolsReferred, migrations };
}

/** Changes a peer's fields; only the statements whose value changes are rewritten. */
export function updatePeer(set: ConfSet, name: string, patch: PeerPatch, serverName: string): PeerView {
  const current = findPeer(set, name, serverName);
  const { pools: _pools, scopes: _scopes, ...declared } = current;
  const merged: IscFailoverPeer = { ...declared };
  for (const [field, value] of Object.entries(patch) as Array<[keyof PeerPatch, unknown]>) {
    if (value === undefined) continue;
    if (value === null) delete (merged as unknown as Record<string, unknown>)[field];
    else (merged as unknown as Record<string, unknown>)[field] = value;
  }
  // An hba bitmap is a split written another way: a split given replaces it (else the hba, written after it, would
  // stay the one in force), `split: null` removes it with the split, and a secondary may not have it (dhcpd -t:
  // "secondary may not define load balance settings"), so becoming secondary drops it.
  const dropHba = patch.split !== undefined || merged.role === 'secondary';
  if (dropHba && merged.extras) {
    const extras = merged.extras.filter((text) => !isHba(text));
    if (extras.length > 0) merged.extras = extras;
    else delete merged.extras;
  }
  // A primary's mclt or split the change would keep on a secondary: the caller is told how to drop it.
  const kept = (['mclt', 'split'] as const).filter(
    (field) => merged.role === 'secondary' && patch[field] === undefined && merged[field] !== undefined,
  );
  if (kept.length > 0) {
    throw ProblemException.validation(
      kept.map((field) => ({
        field,
        message:
          `${field} is set on the primary only, and "${name}" has one: send "${field}": null with ` +
          '"role": "secondary" to remove it',
      })),
    );
  }
  assertValidPeer(merged, { existingName: true });
  writeFailoverPeer(set, merged);
  if (dropHba) removePeerHba(set, name);
  return findPeer(set, name, serverName);
}

function isHba(text: string): boolean {
  return /^\s*hba\b/i.test(text);
}

/**
 * What {@link deletePeer} would do, found without changing anything: the seed's rule for the pools that name the peer.
 * `choice-needed` when two or more other peers are left and pools name it but no `replacement` was given. A
 * `replacement` that is not another peer on the server is a 400 on `query.replacement`.
 */
export type PeerDeletionPlan =
  | { outcome: 'references-removed'; pools: number; scopes: string[] }
  | { outcome: 'references-moved'; replacement?: string; pools: number; scopes: string[] }
  | { outcome: 'choice-needed'; choices: string[]; pools: number; scopes: string[] };

export function planPeerDeletion(
  set: ConfSet,
  name: string,
  replacement: string | undefined,
  serverName: string,
): PeerDeletionPlan {
  const { pools, scopes } = findPeer(set, name, serverName);
  const others = readFailoverPeers(set)
    .map((candidate) => candidate.name)
    .filter((candidate) => candidate !== name);
  if (replacement !== undefined && !others.includes(replacement)) {
    throw ProblemException.validation([
      {
        field: 'query.replacement',
        message:
          others.length === 0
            ? `"${name}" is the last failover peer on ${serverName}; there is nothing to replace it with`
            : `replacement must be another failover peer on ${serverName}: ${quoted(others)}`,
      },
    ]);
  }
  if (others.length === 0) return { outcome: 'references-removed', pools, scopes };
  const target = replacement ?? (others.length === 1 ? others[0] : undefined);
  // With no pool naming it, nothing has to move and the caller has nothing to choose.
  if (target === undefined && pools > 0) return { outcome: 'choice-needed', choices: others, pools, scopes };
  return {
    outcome: 'references-moved',
    ...(target !== undefined ? { replacement: target } : {}),
    pools,
    scopes,
  };
}

/**
 * Deletes a peer with the seed's rule for the pools that name it: the last peer → the references are removed; one
 * other peer left → they move to it; two or more → they move to `replacement`, which the caller must name (a 409
 * lists the choices when it does not).
 */
export function deletePeer(
  set: ConfSet,
  name: string,
  replacement: string | undefined,
  serverName: string,
): PeerDeletion {
  const plan = planPeerDeletion(set, name, replacement, serverName);
  if (plan.outcome === 'choice-needed') {
    throw ProblemException.conflict(
      `${plan.pools} pool(s) on ${serverName} refer to failover peer "${name}" and ${plan.choices.length} other ` +
        `peers are left: name the one they should refer to instead with ?replacement=<name> (one of ${quoted(plan.choices)})`,
      { choices: plan.choices, pools: plan.pools, scopes: plan.scopes },
    );
  }
  return applyPeerDeletion(set, name, plan);
}

/** Carries out a plan of {@link planPeerDeletion} that needs no choice. */
function applyPeerDeletion(
  set: ConfSet,
  name: string,
  plan: Exclude<PeerDeletionPlan, { outcome: 'choice-needed' }>,
): PeerDeletion {
  const { scopes } = plan;
  if (plan.outcome === 'references-removed') {
    const pools = removePeerReferences(set, name);
    removeFailoverPeer(set, name);
    return { name, outcome: 'references-removed', pools, scopes };
  }
  if (plan.replacement === undefined) {
    removeFailoverPeer(set, name);
    return { name, outcome: 'references-moved', pools: 0, scopes };
  }
  const pools = repointPeerReferences(set, name, plan.replacement);
  removeFailoverPeer(set, name);
  return { name, outcome: 'references-moved', replacement: plan.replacement, pools, scopes };
}

function quoted(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(', ');
}
