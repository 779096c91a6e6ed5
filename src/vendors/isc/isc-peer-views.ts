import { ProblemException } from '../../common/problem/problem.exception.js';
import { ProblemType } from '../../common/problem/problem-types.js';
import type { ConfSet } from './conf/include-resolver.js';
import {
  listPeerReferences,
  readFailoverPeers,
  type IscFailoverPeer,
  type PeerReference,
} from './conf/isc-peer.mapper.js';
import { poolRanges } from './conf/isc-pools.js';
import { findSubnet, findSubnets } from './conf/isc-subnet.mapper.js';
import { cidrRange } from './conf/ipv4.js';

/** An ISC server's failover peers as the API shows them, and the lookups the peer rules share (404s). */

/** A peer as the API shows it: its declaration plus who refers to it. */
export interface PeerView extends IscFailoverPeer {
  /** How many pool declarations name the peer. */
  pools: number;
  /** The subnets (CIDR) whose pools name it. */
  scopes: string[];
}

export function peerViews(set: ConfSet): PeerView[] {
  const references = listPeerReferences(set);
  const subnets = findSubnets(set);
  const subnetOf = new Map(subnets.map((subnet) => [subnet.node, subnet.cidr] as const));
  // A pool declared in a shared-network serves the subnets that hold its ranges.
  const scopesOf = (reference: PeerReference): Array<string | undefined> => {
    if (!reference.scope) return [];
    const cidr = subnetOf.get(reference.scope);
    if (cidr !== undefined) return [cidr];
    return poolRanges(reference.file, reference.pool).map(
      (range) =>
        subnets.find((subnet) => {
          const { start, end } = cidrRange(subnet.cidr);
          return subnet.shared?.node === reference.scope && range.start >= start && range.end <= end;
        })?.cidr,
    );
  };
  return readFailoverPeers(set).map((peer) => {
    const own = references.filter((reference) => reference.peer === peer.name);
    const scopes = [...new Set(own.flatMap(scopesOf))].filter((cidr): cidr is string => cidr !== undefined);
    return { ...peer, pools: own.length, scopes };
  });
}

export function findPeer(set: ConfSet, name: string, serverName: string): PeerView {
  const peer = peerViews(set).find((candidate) => candidate.name === name);
  if (!peer) throw notFound(`failover peer "${name}" does not exist on ${serverName}`);
  return peer;
}

export function scopeOf(
  set: ConfSet,
  network: string,
  serverName: string,
): NonNullable<ReturnType<typeof findSubnet>> {
  const subnet = findSubnet(set, network);
  if (!subnet) {
    throw notFound(`${serverName} has no subnet ${network} in its dhcpd configuration`);
  }
  return subnet;
}

export function notFound(detail: string): ProblemException {
  return new ProblemException(404, ProblemType.notFound, 'Not found', detail);
}
