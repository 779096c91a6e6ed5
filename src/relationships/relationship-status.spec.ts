import type { PartnerStateDto } from './dto/relationship.dto.js';
import { relationshipStatus } from './relationship-status.js';

const partner = (fields: Partial<PartnerStateDto>): PartnerStateDto => ({
  serverId: 's',
  serverName: 's',
  reachable: true,
  knowable: true,
  ...fields,
});
const normal = partner({ state: 'normal' });
const noOmapi = partner({ knowable: false, error: 'cannot be known' });
const down = partner({ reachable: false, error: 'connection refused' });

describe('relationshipStatus', () => {
  it.each([
    ['both healthy', [normal, partner({ state: 'hot-standby' })], 'normal'],
    ['both unreachable', [down, down], 'down'],
    ['one unreachable', [normal, down], 'impaired'],
    ['one in another state', [normal, partner({ state: 'communications-interrupted' })], 'impaired'],
    [
      'a peer missing on a reachable server',
      [normal, partner({ error: 'no failover peer "x"' })],
      'impaired',
    ],
    ['both states unknowable (ISC without OMAPI)', [noOmapi, noOmapi], 'unknown'],
    ['one unknowable, the other healthy', [noOmapi, normal], 'unknown'],
    ['one unknowable, the other unreachable', [noOmapi, down], 'impaired'],
    ['one unknowable, the other in partner-down', [noOmapi, partner({ state: 'partner-down' })], 'impaired'],
  ])('%s: %s', (_case, servers, status) => {
    expect(relationshipStatus(servers)).toBe(status);
  });
});
