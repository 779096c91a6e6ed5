import type { FailoverSpec, ServerTarget } from '../driver.js';
import type { KeaDhcp4 } from './kea-config.types.js';
import { applyHa, discoverHa, haConfigFor, peerWithoutTls, removeHa } from './kea-ha.mapper.js';

const target = (name: string, url: string, auth?: { username: string; password: string }): ServerTarget => ({
  id: name,
  name,
  vendor: 'kea',
  address: '127.0.0.1',
  connection: { url, ...(auth ? { username: auth.username } : {}) },
  secrets: auth ? { password: auth.password } : {},
});

const SPEC: FailoverSpec = {
  name: 'dc-pair',
  mode: 'hot-standby',
  sides: [
    {
      target: target('kea1', 'http://127.0.0.11:8000/', { username: 'api', password: 's3cret' }),
      role: 'primary',
      peerName: 'kea1',
      settings: {},
    },
    {
      target: target('kea2', 'http://127.0.0.12:8000/'),
      role: 'standby',
      peerName: 'kea2',
      settings: { autoFailover: false },
    },
  ],
  settings: { heartbeatDelay: 5000, maxUnackedClients: 0, syncLeases: true },
};

describe('Kea HA mapping', () => {
  it('builds each side with its own name, both peers, the partners Control Agent URLs and their credentials', () => {
    expect(haConfigFor(SPEC, 1)).toEqual({
      'this-server-name': 'kea2',
      mode: 'hot-standby',
      'heartbeat-delay': 5000,
      'max-unacked-clients': 0,
      'sync-leases': true,
      peers: [
        {
          name: 'kea1',
          url: 'http://127.0.0.11:8000/',
          role: 'primary',
          'auto-failover': true,
          'basic-auth-user': 'api',
          'basic-auth-password': 's3cret',
        },
        { name: 'kea2', url: 'http://127.0.0.12:8000/', role: 'standby', 'auto-failover': false },
      ],
    });
  });

  it('maps every Kea 2.2 HA parameter the API takes to its Kea key', () => {
    const settings = {
      heartbeatDelay: 1,
      maxResponseDelay: 2,
      maxAckDelay: 3,
      maxUnackedClients: 4,
      syncLeases: false,
      syncTimeout: 5,
      syncPageLimit: 6,
      delayedUpdatesLimit: 7,
      sendLeaseUpdates: false,
      waitBackupAck: true,
    };
    const ha = haConfigFor({ ...SPEC, mode: 'passive-backup', settings }, 0);
    expect(ha).toMatchObject({
      'heartbeat-delay': 1,
      'max-response-delay': 2,
      'max-ack-delay': 3,
      'max-unacked-clients': 4,
      'sync-leases': false,
      'sync-timeout': 5,
      'sync-page-limit': 6,
      'delayed-updates-limit': 7,
      'send-lease-updates': false,
      'wait-backup-ack': true,
    });
    // And back: a discovered configuration reports them under the API's names.
    const dhcp4: KeaDhcp4 = {};
    applyHa(dhcp4, ha);
    expect(discoverHa(dhcp4)?.settings).toEqual(settings);
  });

  it('adds lease_cmds and HA once, replaces an earlier HA, keeps other hooks, and removes HA again', () => {
    const dhcp4: KeaDhcp4 = {
      'hooks-libraries': [
        { library: '/opt/hooks/libdhcp_stat_cmds.so' },
        { library: '/opt/hooks/libdhcp_ha.so', parameters: { 'high-availability': [{ old: true }] } },
      ],
    };
    applyHa(dhcp4, haConfigFor(SPEC, 0), '/opt/hooks');
    applyHa(dhcp4, haConfigFor(SPEC, 0), '/opt/hooks');
    expect(dhcp4['hooks-libraries']?.map((hook) => hook.library)).toEqual([
      '/opt/hooks/libdhcp_stat_cmds.so',
      '/opt/hooks/libdhcp_lease_cmds.so',
      '/opt/hooks/libdhcp_ha.so',
    ]);
    expect(discoverHa(dhcp4)).toEqual({
      name: 'kea1+kea2',
      mode: 'hot-standby',
      thisPeer: 'kea1',
      peers: [
        { name: 'kea1', role: 'primary', url: 'http://127.0.0.11:8000/', autoFailover: true },
        { name: 'kea2', role: 'standby', url: 'http://127.0.0.12:8000/', autoFailover: false },
      ],
      settings: { heartbeatDelay: 5000, maxUnackedClients: 0, syncLeases: true },
    });
    expect(removeHa(dhcp4)).toBe(true);
    expect(removeHa(dhcp4)).toBe(false);
    expect(discoverHa(dhcp4)).toBeUndefined();
    expect(dhcp4['hooks-libraries']?.map((hook) => hook.library)).toEqual([
      '/opt/hooks/libdhcp_stat_cmds.so',
      '/opt/hooks/libdhcp_lease_cmds.so',
    ]);
  });

  it("keeps the replaced entry's unmanaged keys and the server's hooks directory unless one is named", () => {
    const previous = {
      'this-server-name': 'kea1',
      mode: 'load-balancing',
      'heartbeat-delay': 9000,
      'state-machine': { states: [{ state: 'waiting', pause: 'once' }] },
      peers: [
        { name: 'kea1', url: 'http://old/', role: 'primary', 'trust-anchor': '/etc/kea/ca.pem' },
        { name: 'gone', url: 'http://gone/', role: 'secondary', 'cert-file': '/etc/kea/gone.pem' },
      ],
    };
    const dhcp4: KeaDhcp4 = {
      'hooks-libraries': [
        { library: '/usr/lib64/kea/hooks/libdhcp_lease_cmds.so' },
        { library: '/usr/lib64/kea/hooks/libdhcp_ha.so', parameters: { 'high-availability': [previous] } },
      ],
    };
    applyHa(dhcp4, haConfigFor(SPEC, 0));
    const hook = dhcp4['hooks-libraries']![1];
    expect(hook.library).toBe('/usr/lib64/kea/hooks/libdhcp_ha.so');
    const ha = (hook.parameters!['high-availability'] as Array<Record<string, unknown>>)[0];
    expect(ha).toMatchObject({ mode: 'hot-standby', 'state-machine': previous['state-machine'] });
    expect(ha['heartbeat-delay']).toBe(5000);
    expect(ha['peers']).toEqual([
      expect.objectContaining({
        name: 'kea1',
        url: 'http://127.0.0.11:8000/',
        'trust-anchor': '/etc/kea/ca.pem',
      }),
      expect.not.objectContaining({ 'cert-file': expect.anything() }),
    ]);
    applyHa(dhcp4, haConfigFor(SPEC, 0), null);
    expect(dhcp4['hooks-libraries']!.map((entry) => entry.library)).toEqual([
      '/usr/lib64/kea/hooks/libdhcp_lease_cmds.so',
      '/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_ha.so',
    ]);
  });

  it('finds an https peer without TLS files, which Kea 2.2 refuses on load', () => {
    const https = { ...SPEC, sides: SPEC.sides.map((side) => ({ ...side })) } as FailoverSpec;
    https.sides[1].target = target('kea2', 'https://127.0.0.12:8000/');
    const dhcp4: KeaDhcp4 = {};
    applyHa(dhcp4, haConfigFor(https, 0));
    expect(peerWithoutTls(dhcp4)?.name).toBe('kea2');
    const ha = (
      dhcp4['hooks-libraries']![1].parameters!['high-availability'] as Array<Record<string, unknown>>
    )[0];
    ha['trust-anchor'] = '/etc/kea/ca.pem';
    expect(peerWithoutTls(dhcp4)).toBeUndefined();
    const plain: KeaDhcp4 = {};
    applyHa(plain, haConfigFor(SPEC, 0));
    expect(peerWithoutTls(plain)).toBeUndefined();
  });
});
