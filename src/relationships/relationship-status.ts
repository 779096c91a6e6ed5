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

/** Both partners healthy: normal; both unreachable: down; anything else: impaired. */
export function relationshipStatus(servers: PartnerStateDto[]): RelationshipStatus {
  if (servers.every((server) => !server.reachable)) return 'down';
  if (
    servers.every(
      (server) => server.reachable && server.state !== undefined && HEALTHY_STATES.has(server.state),
    )
  ) {
    return 'normal';
  }
  return 'impaired';
}
