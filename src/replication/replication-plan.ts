import { ProblemException } from '../common/problem/problem.exception.js';
import type { RelationshipEntity } from '../relationships/relationship.entity.js';
import type { ReplicationRequest } from './replication-request.js';

/** One source → destination pair of a replication, with the scopes to copy (`undefined`: all of the source's). */
export interface ReplicationLeg {
  relationshipId: string;
  sourceServerId: string;
  destinationServerId: string;
  networks?: string[];
}

/**
 * Turns a request into legs, one per destination: `scope` one network of one relationship towards the chosen
 * partner; `relationship` all scopes of a relationship from the chosen source; `server` all scopes of every managed
 * relationship of the server, each towards its partner.
 */
export function planReplication(
  request: ReplicationRequest,
  relationships: RelationshipEntity[],
): ReplicationLeg[] {
  const partnerOf = (relationship: RelationshipEntity, serverId: string): string | undefined =>
    relationship.servers.some((member) => member.serverId === serverId)
      ? relationship.servers.find((member) => member.serverId !== serverId)?.serverId
      : undefined;
  if (request.kind === 'server') {
    return relationships.flatMap((relationship) => {
      const partner = partnerOf(relationship, request.sourceServerId);
      return partner
        ? [
            {
              relationshipId: relationship.id,
              sourceServerId: request.sourceServerId,
              destinationServerId: partner,
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
  const partner = partnerOf(relationship, request.sourceServerId);
  if (!partner) {
    throw ProblemException.validation([
      { field: 'sourceServerId', message: "sourceServerId must be one of the relationship's two servers" },
    ]);
  }
  if (request.destinationServerId !== undefined && request.destinationServerId !== partner) {
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
      destinationServerId: partner,
      ...(request.kind === 'scope' ? { networks: [request.network!] } : {}),
    },
  ];
}
