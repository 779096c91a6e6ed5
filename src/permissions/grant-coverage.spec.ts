import { grantCovers, grantReachesScope, grantReachesServer, type EffectiveGrant } from './grant-coverage.js';
import { Permission, type Permission as P } from './permission.js';
import type { Resource } from './resource.js';

const S1 = '11111111-1111-4111-8111-111111111111';
const S2 = '22222222-2222-4222-8222-222222222222';

function grant(
  resourceType: EffectiveGrant['resourceType'],
  permissions: P[],
  serverId: string | null = S1,
  network: string | null = null,
): EffectiveGrant {
  return { resourceType, serverId: resourceType === 'global' ? null : serverId, network, permissions };
}

const scope = (network: string, serverId = S1): Resource => ({ type: 'scope', serverId, network });
const server = (serverId = S1): Resource => ({ type: 'server', serverId });

describe('grantCovers', () => {
  it.each<[string, EffectiveGrant, P, Resource, boolean]>([
    [
      'global grant covers a global permission',
      grant('global', [Permission.dhcpAdministrator]),
      Permission.dhcpAdministrator,
      { type: 'global' },
      true,
    ],
    [
      'global grant covers a server permission on any server',
      grant('global', [Permission.addScope]),
      Permission.addScope,
      server(S2),
      true,
    ],
    [
      'global grant covers a scope bit on any scope',
      grant('global', [Permission.editReservations]),
      Permission.editReservations,
      scope('10.0.0.0', S2),
      true,
    ],
    [
      'server grant never gives a global permission',
      grant('server', [Permission.dhcpAdministrator]),
      Permission.dhcpAdministrator,
      { type: 'global' },
      false,
    ],
    [
      'server grant gives a server permission on that server',
      grant('server', [Permission.administerDhcpServers]),
      Permission.administerDhcpServers,
      server(),
      true,
    ],
    [
      'server grant gives nothing on another server',
      grant('server', [Permission.administerDhcpServers]),
      Permission.administerDhcpServers,
      server(S2),
      false,
    ],
    [
      'server grant of a role gives scope bits on its scopes',
      grant('server', [Permission.editReservations]),
      Permission.editReservations,
      scope('10.0.0.0'),
      true,
    ],
    [
      'server-scopes grant gives scope bits on every scope of the server',
      grant('server-scopes', [Permission.editExclusions]),
      Permission.editExclusions,
      scope('10.9.0.0'),
      true,
    ],
    [
      'server-scopes grant gives no server-level bit',
      grant('server-scopes', [Permission.addScope]),
      Permission.addScope,
      server(),
      false,
    ],
    [
      'scope grant gives the bit on that scope',
      grant('scope', [Permission.editAddressPools], S1, '10.1.2.0'),
      Permission.editAddressPools,
      scope('10.1.2.0'),
      true,
    ],
    [
      'scope grant gives nothing on a sibling scope',
      grant('scope', [Permission.editAddressPools], S1, '10.1.2.0'),
      Permission.editAddressPools,
      scope('10.1.3.0'),
      false,
    ],
    [
      'scope grant gives nothing on the same network of another server',
      grant('scope', [Permission.editAddressPools], S1, '10.1.2.0'),
      Permission.editAddressPools,
      scope('10.1.2.0', S2),
      false,
    ],
    [
      'scope grant does not cover all scopes of the server',
      grant('scope', [Permission.editAddressPools], S1, '10.1.2.0'),
      Permission.editAddressPools,
      { type: 'server-scopes', serverId: S1 },
      false,
    ],
    [
      'a grant without the permission covers nothing',
      grant('global', [Permission.editExclusions]),
      Permission.editReservations,
      scope('10.0.0.0'),
      false,
    ],
  ])('%s', (_, g, permission, resource, expected) => {
    expect(grantCovers(g, permission, resource)).toBe(expected);
  });

  it('a grant reaches a server when it is global or names the server', () => {
    expect(grantReachesServer(grant('global', [Permission.editExclusions]), S2)).toBe(true);
    expect(grantReachesServer(grant('scope', [Permission.editExclusions], S1, '10.0.0.0'), S1)).toBe(true);
    expect(grantReachesServer(grant('server', [Permission.addScope]), S2)).toBe(false);
  });
});

describe('grantReachesScope (reading one scope)', () => {
  it.each<[string, EffectiveGrant, boolean]>([
    ['a global grant', grant('global', [Permission.editExclusions]), true],
    ['a grant on the server', grant('server', [Permission.addScope]), true],
    ["a grant on all the server's scopes", grant('server-scopes', [Permission.editReservations]), true],
    ['a grant on that scope', grant('scope', [Permission.editReservations], S1, '10.1.2.0'), true],
    [
      'a grant on another scope of the server',
      grant('scope', [Permission.editReservations], S1, '10.9.9.0'),
      false,
    ],
    [
      'a grant on that network of another server',
      grant('scope', [Permission.editReservations], S2, '10.1.2.0'),
      false,
    ],
    ['a grant on another server', grant('server', [Permission.addScope], S2), false],
    ['a grant with no permissions', grant('server', []), false],
  ])('%s', (_, given, reaches) => {
    expect(grantReachesScope(given, S1, '10.1.2.0')).toBe(reaches);
  });
});
