import { ProblemException } from '../common/problem/problem.exception.js';
import type { RelationshipEntity } from '../relationships/relationship.entity.js';
import type { ReplicationRequest } from './replication-request.js';

/** One source → destination pair of a replication, with the scopes to copy (`undefined`: all of the source's). */
export interface ReplicationLeg {
  relationshipId: string;
  sourceServerId: string;
  destinationServerId: string;
  /** The source's name inside the relationship (ISC: its peer's name; Windows: the relationship's). */
  sourcePeerName: string;
  networks?: string[];
}

/**
 * Turns a request into legs, one per destination: `scope` one network of one relationship towards the chosen
 * partner; `relationship` all scopes of a relationship from the chosen source; `server` all scopes of every managed
 * relationship of the server, each towards its partner. Which of the source's scopes are the relationship's is known
 * only once the source is read (see DhcpDriver.inRelationship).
 */
export function planReplication(
  request: ReplicationRequest,
  relationships: RelationshipEntity[],
): ReplicationLeg[] {
  const sidesOf = (
    relationship: RelationshipEntity,
    serverId: string,
  ): { partner: string; sourcePeerName: string } | undefined => {
    const source = relationship.servers.find((member) => member.serverId === serverId);
    const partner = relationship.servers.find((member) => member.serverId !== serverId);
    return source && partner ? { partner: partner.serverId, sourcePeerName: source.peerName } : undefined;
  };
  if (request.kind === 'server') {
    return relationships.flatMap((relationship) => {
      const sides = sidesOf(relationship, request.sourceServerId);
      return sides
        ? [
            {
              relationshipId: relationship.id,
              sourceServerId: request.sourceServerId,
              destinationServerId: sides.partner,
              sourcePeerName: sides.sourcePeerName,
            },
          ]
        : [];
    });
  }
  const relationship = relationships.find((candidate) => candidate.id === request.relationshipId);
  if (!relationship) {
    throw ProblemException.validation([
      { field: 'relationshipId', message: 'relationshipId must name a managed relationship' },
    ]);
  }
  const sides = sidesOf(relationship, request.sourceServerId);
  if (!sides) {
    throw ProblemException.validation([
      { field: 'sourceServerId', message: "sourceServerId must be one of the relationship's two servers" },
    ]);
  }
  if (request.destinationServerId !== undefined && request.destinationServerId !== sides.partner) {
    throw ProblemException.validation([
      {
        field: 'destinationServerId',
        message: "destinationServerId must be the source's partner in the relationship",
      },
    ]);
  }
  return [
    {
      relationshipId: relationship.id,
      sourceServerId: request.sourceServerId,
      destinationServerId: sides.partner,
      sourcePeerName: sides.sourcePeerName,
      ...(request.kind === 'scope' ? { networks: [request.network!] } : {}),
    },
  ];
}
