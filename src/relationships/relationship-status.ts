import type { PartnerStateDto } from './dto/relationship.dto.js';
import type { RelationshipStatus } from './relationship.entity.js';

/** Vendor states in which a server is doing its part of a healthy relationship. */
const HEALTHY_STATES = new Set([
  // Kea HA
  'hot-standby',
  'load-balancing',
  'passive-backup',
  'backup',
  // ISC dhcpd failover (over OMAPI) and Windows failover
  'normal',
]);

/**
 * Both partners healthy: normal; both unreachable: down; a partner whose state its registration cannot tell
 * (`knowable: false`) and nothing else wrong: unknown; anything else: impaired.
 */
export function relationshipStatus(servers: PartnerStateDto[]): RelationshipStatus {
  if (servers.every((server) => !server.reachable)) return 'down';
  const unknowable = (server: PartnerStateDto): boolean => server.reachable && !server.knowable;
  const healthy = (server: PartnerStateDto): boolean =>
    server.reachable && server.state !== undefined && HEALTHY_STATES.has(server.state);
  if (!servers.every((server) => healthy(server) || unknowable(server))) return 'impaired';
  return servers.some(unknowable) ? 'unknown' : 'normal';
}
