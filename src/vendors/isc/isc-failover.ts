import type {
  DiscoveredFailover,
  FailoverChange,
  FailoverRemoval,
  FailoverMode,
  FailoverOperations,
  FailoverSpec,
  FailoverState,
  ServerTarget,
  WriteContext,
} from '../driver.js';
import { ProblemException } from '../../common/problem/problem.exception.js';
// The seed's delete-peer rule has one implementation, shared with DELETE /servers/{id}/failover-peers/{name}.
import { deletePeer, planPeerDeletion } from './isc-peer-rules.js';
import { isIpv4OrHostName } from '../../common/validation/network.validators.js';
import { DriverError, DriverErrorCode } from '../driver-error.js';
import {
  FAILOVER_PORT,
  findPeerDeclarations,
  type IscFailoverPeer,
  peerFromBlock,
  readFailoverPeers,
  referAllPoolsTo,
  removeFailoverPeer,
  removePeerHba,
  removePeerReferences,
  sameEndpoint,
  validateFailoverPeer,
  writeFailoverPeer,
} from './conf/isc-peer.mapper.js';
import type { ConfSet } from './conf/include-resolver.js';
import { type IscChange, iscConfigError, withIscConfig } from './isc-config-session.js';
import { omapiSettingsOf, readServerFailoverState } from './omapi/omapi-target.js';

/**
 * What a relationship writes when its settings leave a value out. dhcpd requires max-response-delay and
 * max-unacked-updates and, on the primary, mclt; the values are those dhcpd.conf(5) suggests (mclt 3600,
 * max-unacked-updates 10, load balance max seconds 3) and the seed's examples (max-response-delay 60).
 */
export const ISC_FAILOVER_DEFAULTS = {
  port: FAILOVER_PORT,
  mclt: 3600,
  maxResponseDelay: 60,
  maxUnackedUpdates: 10,
  loadBalanceMaxSeconds: 3,
  /** load-balancing: half the clients each (dhcpd.conf(5): "the most reasonable is 128"). */
  loadBalancingSplit: 128,
  /** hot-standby: the primary answers every client; the secondary takes over when the primary is down. */
  hotStandbySplit: 256,
} as const;

/**
 * The mode a peer's split stands for: 0 or 256 put every client on one server (hot-standby: 256 the primary,
 * 0 the secondary, the roles reversed), anything between shares them (load-balancing). An `hba` bitmap counts the
 * same way by its set bits. A secondary's declaration carries no split (it is the primary's to give): load-balancing,
 * dhcpd's default split being 128.
 */
export function modeOfPeer(peer: IscFailoverPeer): FailoverMode {
  const split = peer.split ?? splitOfHba(peer.extras);
  if (split === undefined) return 'load-balancing';
  return split === 0 || split === 256 ? 'hot-standby' : 'load-balancing';
}

function splitOfHba(extras: string[] | undefined): number | undefined {
  const hba = extras?.map((text) => /^\s*hba\s+([0-9a-f:\s]+);?\s*$/i.exec(text)?.[1]).find(Boolean);
  if (!hba) return undefined;
  const bytes = hba
    .split(':')
    .map((byte) => byte.trim())
    .filter(Boolean);
  return bytes.reduce((bits, byte) => bits + popcount(parseInt(byte, 16)), 0);
}

function popcount(value: number): number {
  let count = 0;
  for (let v = value; v > 0; v >>= 1) count += v & 1;
  return count;
}

/** `settings` of a relationship as the ISC side reads them (validated by IscFailoverSettingsDto). */
interface IscRelationshipSettings {
  mclt?: number;
  split?: number;
  maxResponseDelay?: number;
  maxUnackedUpdates?: number;
  loadBalanceMaxSeconds?: number;
}

const integer = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

/** Where a side listens for its partner: its `settings.address` (else its registered address) and port. */
function endpoint(of: FailoverSpec['sides'][number]): { address: string; port: number } {
  return {
    address: text(of.settings['address']) ?? of.target.address,
    port: integer(of.settings['port']) ?? ISC_FAILOVER_DEFAULTS.port,
  };
}

/**
 * One server's `failover peer` declaration for `spec`: its own address and port, the partner's as `peer address`
 * and `peer port` (so the two declarations mirror each other), MCLT and split on the primary only.
 *
 * `current` is the declaration the server has already (a relationship's PATCH): it is the starting point, and only
 * what `spec` gives is laid over it — the role, the endpoints, and each setting the relationship's record holds; a
 * statement the record does not hold (an adopted peer without `load balance max seconds`, a primary's `hba` bitmap) is
 * kept as the file has it, never replaced by a default. A split given replaces an hba bitmap; a mode other than the
 * one the declaration's split or hba stands for gets that mode's split; a secondary keeps neither (dhcpd: "secondary
 * may not define load balance settings"). Without `current` (a new declaration) every missing value is the default.
 */
export function peerForSide(spec: FailoverSpec, local: 0 | 1, current?: IscFailoverPeer): IscFailoverPeer {
  const side = spec.sides[local];
  const partner = spec.sides[local === 0 ? 1 : 0];
  const s = spec.settings as IscRelationshipSettings;
  const self = endpoint(side);
  const other = endpoint(partner);
  const primary = side.role === 'primary';
  // peerFromBlock reads a missing count as 0, which no count may be: missing, so the default.
  const kept = (value: number | undefined): number | undefined => (value ? value : undefined);
  const modeSplit =
    spec.mode === 'hot-standby'
      ? ISC_FAILOVER_DEFAULTS.hotStandbySplit
      : ISC_FAILOVER_DEFAULTS.loadBalancingSplit;
  // A key the PATCH sent as null is withdrawn: the default, not what the declaration has.
  const withdrawn = (key: keyof IscRelationshipSettings): boolean => spec.settings[key] === null;
  const keepsBalance =
    current?.role === 'primary' &&
    modeOfPeer(current) === spec.mode &&
    integer(s.split) === undefined &&
    !withdrawn('split');
  const hba = current?.extras?.some(isHba) ?? false;
  const split =
    integer(s.split) ?? (keepsBalance ? (current?.split ?? (hba ? undefined : modeSplit)) : modeSplit);
  const extras = (current?.extras ?? []).filter(
    (statement) => (primary && keepsBalance) || !isHba(statement),
  );
  const loadBalanceMaxSeconds =
    integer(s.loadBalanceMaxSeconds) ??
    (current && !withdrawn('loadBalanceMaxSeconds')
      ? current.loadBalanceMaxSeconds
      : ISC_FAILOVER_DEFAULTS.loadBalanceMaxSeconds);
  return {
    name: side.peerName,
    role: primary ? 'primary' : 'secondary',
    address: self.address,
    port: self.port,
    peerAddress: other.address,
    peerPort: other.port,
    maxResponseDelay:
      integer(s.maxResponseDelay) ??
      kept(withdrawn('maxResponseDelay') ? undefined : current?.maxResponseDelay) ??
      ISC_FAILOVER_DEFAULTS.maxResponseDelay,
    maxUnackedUpdates:
      integer(s.maxUnackedUpdates) ??
      kept(withdrawn('maxUnackedUpdates') ? undefined : current?.maxUnackedUpdates) ??
      ISC_FAILOVER_DEFAULTS.maxUnackedUpdates,
    ...(primary
      ? {
          mclt:
            integer(s.mclt) ??
            (current?.role === 'primary' && !withdrawn('mclt') ? current.mclt : undefined) ??
            ISC_FAILOVER_DEFAULTS.mclt,
          ...(split !== undefined ? { split } : {}),
        }
      : {}),
    ...(loadBalanceMaxSeconds !== undefined ? { loadBalanceMaxSeconds } : {}),
    ...(extras.length > 0 ? { extras } : {}),
  };
}

function isHba(statement: string): boolean {
  return /^\s*hba\b/i.test(statement);
}

/**
 * ISC dhcpd failover as the port's failover operations. A relationship is one `failover peer "<name>"` declaration
 * on each server (the same name on both: dhcpd matches the partner's connect message by it), written with the seed's
 * first-peer rule (every address pool refers to it) in one validated write (`dhcpd -t`, backup, rename, restart).
 * The state is dhcpd's own, read over OMAPI.
 */
export class IscFailover implements FailoverOperations {
  readonly severalPerServer = true;

  applyFailover(local: 0 | 1, spec: FailoverSpec): Promise<FailoverChange> {
    assertEndpoints(spec);
    const target = spec.sides[local].target;
    return withIscConfig(target, async (session) => {
      const config = await session.read();
      const originals = new Map(config.set.originals);
      const change = await session.change(config, (set) => {
        const name = spec.sides[local].peerName;
        const declared = findPeerDeclarations(set).find((declaration) => declaration.name === name);
        const current = declared ? peerFromBlock(declared.node, declared.file.path) : undefined;
        const peer = peerForSide(spec, local, current);
        const errors = validateFailoverPeer(peer);
        if (errors.length > 0) {
          throw new DriverError(
            DriverErrorCode.invalidConfig,
            `the failover peer for ${target.name} is not valid: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
          );
        }
        writeFailoverPeer(set, peer);
        // An hba bitmap goes only where peerForSide let it go: a split given, another mode, a secondary.
        if (!peer.extras?.some(isHba)) removePeerHba(set, peer.name);
        // The seed's first-peer rule is for the peer's creation: on an update, pools an administrator kept out of
        // failover since (a bare range, a dynamic-bootp pool) stay as they are.
        if (!current) referAllPoolsTo(set, peer.name);
      });
      return changeWithUndo(target, originals, change);
    });
  }

  /**
   * Removes the peer `peerName` by the seed's delete-peer rule, the one DELETE /servers/{id}/failover-peers/{name}
   * follows (deletePeer): the pools naming it name no peer when it was the last, else the one other peer or
   * `replacement` (a 409 listing the choices when two or more are left and none is named). Without `peerName`, every
   * peer and every reference goes: no peer is left to move them to.
   */
  removeFailover(
    target: ServerTarget,
    _context: WriteContext,
    peerName?: string,
    replacement?: string,
  ): Promise<FailoverChange & { removal?: FailoverRemoval }> {
    return withIscConfig(target, async (session) => {
      const config = await session.read();
      const originals = new Map(config.set.originals);
      const change = await session.change(config, (set) =>
        peerName === undefined ? removeEveryPeer(set) : removePeer(set, peerName, replacement, target.name),
      );
      const removal = change.result;
      return { ...changeWithUndo(target, originals, change), ...(removal ? { removal } : {}) };
    });
  }

  /** What removeFailover would do with the pools naming `peerName`, read from the server; nothing is written. */
  planFailoverRemoval(
    target: ServerTarget,
    peerName: string,
    replacement?: string,
  ): Promise<FailoverRemoval> {
    return withIscConfig(target, async (session) => {
      const { set } = await session.read();
      try {
        if (!declares(set, peerName)) return absentPeer(peerName);
        return { name: peerName, ...planPeerDeletion(set, peerName, replacement, target.name) };
      } catch (error) {
        throw iscConfigError(target, error);
      }
    });
  }

  async readFailoverState(target: ServerTarget, peerName?: string): Promise<FailoverState> {
    if (!omapiSettingsOf(target)) {
      // dhcpd tells its state only over OMAPI, but its files still tell whether the server can be reached and
      // still declares the peer: without them a server that is down would read as reachable.
      const peers = await this.discoverFailover(target);
      if (peerName !== undefined && !peers.some((peer) => peer.name === peerName)) {
        throw missingPeer(target, peerName);
      }
      return readServerFailoverState(target, peerName ?? '');
    }
    const name = peerName ?? (await this.discoverFailover(target))[0]?.name;
    if (!name) throw missingPeer(target);
    return readServerFailoverState(target, name);
  }

  /**
   * Every failover peer declaration on the server (dhcpd.conf order), each as a relationship: its name, this server's
   * role and endpoints, the mode its split stands for. A server with two peers is in two relationships.
   */
  discoverFailover(target: ServerTarget): Promise<DiscoveredFailover[]> {
    return withIscConfig(target, async (session) => {
      const { set } = await session.read();
      try {
        return readFailoverPeers(set).map(discovered);
      } catch (error) {
        throw iscConfigError(target, error);
      }
    });
  }
}

function declares(set: ConfSet, name: string): boolean {
  return findPeerDeclarations(set).some((declaration) => declaration.name === name);
}

/** A peer taken off by hand already: nothing to remove, nothing named it. */
function absentPeer(name: string): FailoverRemoval {
  return { name, outcome: 'absent', pools: 0, scopes: [] };
}

function removePeer(
  set: ConfSet,
  name: string,
  replacement: string | undefined,
  serverName: string,
): FailoverRemoval {
  if (!declares(set, name)) return absentPeer(name);
  return deletePeer(set, name, replacement, serverName);
}

function removeEveryPeer(set: ConfSet): undefined {
  for (const { name } of findPeerDeclarations(set)) {
    removePeerReferences(set, name);
    removeFailoverPeer(set, name);
  }
  return undefined;
}

function missingPeer(target: ServerTarget, peerName?: string): DriverError {
  return new DriverError(
    DriverErrorCode.notFound,
    `ISC server ${target.name} has no failover peer${peerName === undefined ? '' : ` "${peerName}"`} in its ` +
      'dhcpd configuration',
  );
}

/**
 * A side without `settings.address` listens on its registered address, which the registry lets be IPv6 (or anything
 * SSH reaches) while dhcpd takes only IPv4 or a host name there: a 400 naming the setting to give, before any server
 * is written (both sides' declarations name it, as `address` on one and `peer address` on the other).
 */
function assertEndpoints(spec: FailoverSpec): void {
  // Not a type guard here: the address stays a string in the message.
  const takesAddress: (value: string) => boolean = isIpv4OrHostName;
  const errors = spec.sides.flatMap((side, index) =>
    text(side.settings['address']) === undefined && !takesAddress(side.target.address)
      ? [
          {
            field: `servers[${index}].settings.address`,
            message:
              `${side.target.name} is registered with address ${side.target.address}, which dhcpd cannot take as a ` +
              'failover endpoint (an IPv4 address or a DNS host name only): give its address in settings.address',
          },
        ]
      : [],
  );
  // One endpoint for both sides: each declaration's peer address would be its own.
  const [first, second] = spec.sides.map(endpoint);
  if (errors.length === 0 && sameEndpoint(first, second)) {
    errors.push({
      field: 'servers[1].settings.address',
      message:
        `${spec.sides[0].target.name} and ${spec.sides[1].target.name} would both listen on ` +
        `${first.address}:${first.port}, so each would connect to itself: give each server its own settings.address ` +
        'or settings.port',
    });
  }
  if (errors.length > 0) throw ProblemException.validation(errors);
}

function discovered(peer: IscFailoverPeer): DiscoveredFailover {
  const self = `${peer.address}:${peer.port}`;
  const partner = `${peer.peerAddress}:${peer.peerPort}`;
  // IscFailoverSettingsDto's fields only, so an adopted relationship can be changed with them (PATCH merges).
  const settings: Record<string, unknown> = {
    peerName: peer.name,
    maxResponseDelay: peer.maxResponseDelay,
    maxUnackedUpdates: peer.maxUnackedUpdates,
    ...(peer.mclt !== undefined ? { mclt: peer.mclt } : {}),
    ...(peer.split !== undefined ? { split: peer.split } : {}),
    ...(peer.loadBalanceMaxSeconds !== undefined
      ? { loadBalanceMaxSeconds: peer.loadBalanceMaxSeconds }
      : {}),
  };
  return {
    name: peer.name,
    mode: modeOfPeer(peer),
    thisPeer: peer.name,
    peers: [
      { name: peer.name, role: peer.role, url: self },
      { name: peer.name, role: peer.role === 'primary' ? 'secondary' : 'primary', url: partner },
    ],
    settings,
    endpoints: { self, partner },
    sideSettings: { address: peer.address, port: peer.port },
  };
}

/**
 * The change as the port reports it; `undo` writes the files back as they were read before it, through the same
 * validated write, held to the digests the change left (an edit made since is a conflict, not overwritten).
 */
function changeWithUndo(
  target: ServerTarget,
  originals: ReadonlyMap<string, string>,
  change: IscChange<unknown>,
): FailoverChange {
  const changed = change.written.length > 0;
  return {
    before: change.before,
    after: change.after,
    changed,
    undo: async () => {
      if (!changed) return;
      const previous = new Map<string, string>();
      const expected = new Map<string, string>();
      for (const file of change.written) {
        const text = originals.get(file.path);
        if (text === undefined) throw new Error(`no previous text of ${file.path} to undo to`);
        previous.set(file.path, text);
        expected.set(file.path, file.after);
      }
      await withIscConfig(target, (session) => session.store.write(previous, expected));
    },
  };
}
