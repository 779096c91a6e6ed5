import { DriverError } from '../../src/vendors/driver-error.js';
import { updateConfig } from '../../src/vendors/kea/kea-config-update.js';
import { KeaControlAgentClient } from '../../src/vendors/kea/kea-control-agent.client.js';
import { keaHookLibrary, type KeaServer, startKeaServer } from '../support/kea/kea-server.js';

/**
 * Kea 2.2 accepts in config-test an HA hook whose parameters the hook itself refuses when it loads, then fails the
 * config-set and is left without its hook libraries. The service validates what it sends so that this does not
 * happen (kea-relationships.test.ts), and when a config-set fails all the same, it sets the configuration it read
 * before again: here, on a real Kea, with an HA entry the API would have refused.
 */
let server: KeaServer;
let client: KeaControlAgentClient;

beforeAll(async () => {
  server = await startKeaServer({ name: 'config-update' });
  client = new KeaControlAgentClient({
    url: server.caUrl,
    verifyTls: true,
    timeoutMs: 30_000,
  });
  // A server that runs lease_cmds, as one in a relationship does.
  const config = await server.dhcp4Config();
  config['hooks-libraries'] = [{ library: keaHookLibrary('libdhcp_lease_cmds.so') }];
  expect((await server.command('config-set', { Dhcp4: config })).result).toBe(0);
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

const commands = async (): Promise<string[]> =>
  (await server.command<string[]>('list-commands')).arguments ?? [];

test('a config-set Kea fails after config-test passed puts the configuration read before back', async () => {
  expect(await commands()).toContain('lease4-get');
  const before = await server.dhcp4Config();
  const error = await updateConfig(client, (config) => {
    (config.Dhcp4['hooks-libraries'] ??= []).push({
      library: keaHookLibrary('libdhcp_ha.so'),
      parameters: {
        'high-availability': [
          {
            'this-server-name': 'a',
            mode: 'hot-standby',
            // Over the hook's 65535 ms limit: config-test does not check it, loading the hook does.
            'heartbeat-delay': 70_000,
            peers: [
              { name: 'a', url: 'http://127.0.0.1:18001/', role: 'primary' },
              { name: 'b', url: 'http://127.0.0.1:18002/', role: 'standby' },
            ],
          },
        ],
      },
    });
    return true;
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DriverError);
  expect((error as DriverError).message).toContain('the configuration read before was set again');
  expect((error as DriverError).leftChanged).toBe(false);
  // Running as before the attempt: lease_cmds loaded again, no HA.
  expect(await commands()).toContain('lease4-get');
  expect(await server.dhcp4Config()).toEqual(before);
});
