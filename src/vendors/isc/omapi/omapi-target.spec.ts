import type { ServerTarget } from '../../driver.js';
import { DriverError, DriverErrorCode } from '../../driver-error.js';
import { omapiSettingsOf, readServerFailoverState } from './omapi-target.js';

function target(connection: Record<string, unknown>, secrets: Record<string, string> = {}): ServerTarget {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    name: 'dhcp-a',
    vendor: 'isc',
    address: '192.0.2.10',
    connection: { transport: 'local', configPath: '/etc/dhcp/dhcpd.conf', ...connection },
    secrets,
  };
}

describe('OMAPI settings of a registered ISC server', () => {
  it('reads port, key name and secret; the host is the SSH host, else the server address', () => {
    const omapi = { omapiPort: 7911, omapiKeyName: 'omapi_key' };
    expect(omapiSettingsOf(target(omapi, { omapiKey: 'c2VjcmV0' }))).toEqual({
      host: '192.0.2.10',
      port: 7911,
      keyName: 'omapi_key',
      key: 'c2VjcmV0',
    });
    expect(
      omapiSettingsOf(
        target({ ...omapi, transport: 'ssh', host: 'dhcp-a.example' }, { omapiKey: 'c2VjcmV0' }),
      )?.host,
    ).toBe('dhcp-a.example');
  });

  it('has none unless all three are registered', () => {
    expect(omapiSettingsOf(target({}))).toBeUndefined();
    expect(omapiSettingsOf(target({ omapiPort: 7911, omapiKeyName: 'k' }))).toBeUndefined();
    expect(omapiSettingsOf(target({ omapiPort: 7911 }, { omapiKey: 'c2VjcmV0' }))).toBeUndefined();
  });

  it('says plainly that the state cannot be known without OMAPI, without connecting anywhere', async () => {
    const error = await readServerFailoverState(target({}), 'fo').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DriverError);
    expect((error as DriverError).code).toBe(DriverErrorCode.unsupported);
    expect((error as DriverError).message).toBe(
      'The failover state of dhcp-a cannot be known: dhcpd reports it only over OMAPI, and this server is ' +
        'registered without omapiPort, omapiKeyName and omapiKey',
    );
  });
});
