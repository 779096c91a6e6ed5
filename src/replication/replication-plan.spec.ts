import type { RelationshipEntity } from '../relationships/relationship.entity.js';
import { planReplication } from './replication-plan.js';
import type { ReplicationRequest } from './replication-request.js';

/** A relationship of two servers, each with its name inside it (ISC peer names differ per side). */
const relationship = (id: string, a: [string, string], b: [string, string]): RelationshipEntity =>
  ({
    id,
    servers: [
      { serverId: a[0], peerName: a[1], position: 0 },
      { serverId: b[0], peerName: b[1], position: 1 },
    ],
  }) as RelationshipEntity;

const request = (fields: Partial<ReplicationRequest>): ReplicationRequest => ({
  kind: 'relationship',
  sourceServerId: 'a',
  dryRun: false,
  parts: [],
  ...fields,
});

describe('planReplication', () => {
  const relationships = [
    relationship('r1', ['a', 'fo-a'], ['b', 'fo-b']),
    relationship('r2', ['c', 'fo-c'], ['a', 'fo-a2']),
    relationship('r3', ['c', 'x'], ['d', 'y']),
  ];

  it("a server replication has one leg per relationship of the server, each naming the source's side in it", () => {
    expect(planReplication(request({ kind: 'server' }), relationships)).toEqual([
      { relationshipId: 'r1', sourceServerId: 'a', destinationServerId: 'b', sourcePeerName: 'fo-a' },
      { relationshipId: 'r2', sourceServerId: 'a', destinationServerId: 'c', sourcePeerName: 'fo-a2' },
    ]);
  });

  it('a scope replication goes to the partner with its one network', () => {
    expect(
      planReplication(
        request({ kind: 'scope', sourceServerId: 'b', relationshipId: 'r1', network: '10.1.2.0' }),
        relationships,
      ),
    ).toEqual([
      {
        relationshipId: 'r1',
        sourceServerId: 'b',
        destinationServerId: 'a',
        sourcePeerName: 'fo-b',
        networks: ['10.1.2.0'],
      },
    ]);
  });

  it('refuses a source outside the relationship and a destination that is not its partner', () => {
    expect(() => planReplication(request({ relationshipId: 'r3' }), relationships)).toThrow(
      /sourceServerId must be one of the relationship's two servers/,
    );
    expect(() =>
      planReplication(request({ relationshipId: 'r1', destinationServerId: 'c' }), relationships),
    ).toThrow(/destinationServerId must be the source's partner/);
  });
});
