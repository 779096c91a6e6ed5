import { existsSync, readdirSync, readFileSync } from 'node:fs';
import {
  disableHa,
  enableHa,
  type KeaHeartbeatArguments,
  type KeaServer,
  type KeaStatusGetArguments,
  startKeaPair,
  startKeaServer,
  waitForHaState,
} from '../support/kea/kea-server.js';

const auth = { username: 'dfm', password: 'kea-test-secret' };

/** PIDs of running processes whose command line mentions `needle` (e.g. a server's temp dir). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // The process went away while we looked.
    }
  }
  return pids;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Kea test harness (real kea-dhcp4 behind kea-ctrl-agent)', () => {
  const started: KeaServer[] = [];
  afterAll(async () => {
    await Promise.all(started.map((server) => server.stop()));
  });

  it('starts a server that answers status-get, config-get and version-get through its Control Agent', async () => {
    const server = await startKeaServer({ name: 'single' });
    started.push(server);

    expect(server.host).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(server.caUrl).toBe(`http://${server.host}:${server.port}/`);
    const status = await server.command<KeaStatusGetArguments>('status-get');
    expect(status.result).toBe(0);
    expect(status.arguments?.pid).toBe(server.dhcp4Pid);
    expect(status.arguments?.['high-availability']).toBeUndefined();

    const dhcp4 = await server.dhcp4Config();
    expect((dhcp4['subnet4'] as unknown[]).length).toBe(2);
    expect(dhcp4['control-socket']).toEqual({ 'socket-name': server.socketPath, 'socket-type': 'unix' });
    expect(dhcp4).not.toHaveProperty('hash'); // Kea 2.2 has no config hash

    const version = await server.command('version-get');
    expect(version).toMatchObject({ result: 0, text: expect.stringMatching(/^2\.\d+\.\d+/) });
    expect(await server.command('config-hash-get')).toMatchObject({ result: 2 });

    const invalid = await server.command('config-set', { Dhcp4: { 'no-such-parameter': true } });
    expect(invalid).toEqual({
      result: 1,
      text: expect.stringContaining('unsupported global configuration parameter: no-such-parameter'),
    });
    // The server keeps its previous configuration.
    expect(((await server.dhcp4Config())['subnet4'] as unknown[]).length).toBe(2);
  });

  it('enforces basic auth on the Control Agent when credentials are configured', async () => {
    const server = await startKeaServer({ name: 'auth', auth });
    started.push(server);

    const without = await server.request({ command: 'status-get', service: ['dhcp4'] }, { auth: null });
    expect(without.status).toBe(401);
    expect(without.body).toEqual({ result: 401, text: 'Unauthorized' });
    expect(without.headers['www-authenticate']).toBe('Basic realm="kea-test"');

    const wrong = await server.request(
      { command: 'status-get', service: ['dhcp4'] },
      { auth: { ...auth, password: 'wrong' } },
    );
    expect(wrong.status).toBe(401);

    const right = await server.request({ command: 'status-get', service: ['dhcp4'] });
    expect(right.status).toBe(200);
    expect(right.body).toMatchObject([{ result: 0 }]);
  });

  it('puts a running pair into hot-standby via config-set, and takes HA out again', async () => {
    const pair = await startKeaPair({ names: ['hs-primary', 'hs-standby'], auth });
    started.push(...pair);
    const [primary, standby] = pair;
    expect(await primary.command('ha-heartbeat')).toMatchObject({ result: 2 }); // no HA hook loaded yet

    const steps = await enableHa(pair, { mode: 'hot-standby', heartbeatDelay: 1000 });
    expect(steps.map((s) => s.configSet)).toEqual([
      { result: 0, text: 'Configuration successful.' },
      { result: 0, text: 'Configuration successful.' },
    ]);

    const [primaryStatus, standbyStatus] = await Promise.all([
      waitForHaState(primary, 'hot-standby'),
      waitForHaState(standby, 'hot-standby'),
    ]);
    expect(primaryStatus.arguments?.['high-availability']?.[0]).toMatchObject({
      'ha-mode': 'hot-standby',
      'ha-servers': { local: { role: 'primary', scopes: ['hs-primary'] }, remote: { role: 'standby' } },
    });
    expect(standbyStatus.arguments?.['high-availability']?.[0]).toMatchObject({
      'ha-servers': { local: { role: 'standby', scopes: [] }, remote: { role: 'primary', 'in-touch': true } },
    });
    const heartbeat = await primary.command<KeaHeartbeatArguments>('ha-heartbeat');
    expect(heartbeat).toMatchObject({
      result: 0,
      text: 'HA peer status returned.',
      arguments: { state: 'hot-standby', scopes: ['hs-primary'], 'unsent-update-count': 0 },
    });
    // config-write persisted the HA hook into the file each server was started with.
    expect(JSON.stringify(await standby.readConfigFile())).toContain('libdhcp_ha.so');

    await disableHa(pair);
    for (const server of pair) {
      expect(await server.command('ha-heartbeat')).toMatchObject({ result: 2 });
      const commands = await server.command<string[]>('list-commands');
      expect(commands.arguments).not.toContain('lease4-get');
      const status = await server.command<KeaStatusGetArguments>('status-get');
      expect(status.arguments?.['high-availability']).toBeUndefined();
      expect(JSON.stringify(await server.readConfigFile())).not.toContain('libdhcp_ha.so');
    }
  });

  it('starts a pair with load-balancing HA in its config file and both reach load-balancing', async () => {
    const pair = await startKeaPair({
      names: ['lb-primary', 'lb-secondary'],
      auth,
      ha: { mode: 'load-balancing', heartbeatDelay: 1000 },
    });
    started.push(...pair);
    const statuses = await Promise.all(pair.map((server) => waitForHaState(server, 'load-balancing')));
    expect(statuses.map((s) => s.arguments?.['high-availability']?.[0]?.['ha-servers'].local)).toEqual([
      { role: 'primary', scopes: ['lb-primary'], state: 'load-balancing' },
      { role: 'secondary', scopes: ['lb-secondary'], state: 'load-balancing' },
    ]);
  });

  it('stop() kills both processes by PID and removes the temp dir', async () => {
    const server = await startKeaServer({ name: 'stop' });
    const pids = [server.dhcp4Pid, server.caPid];
    expect(pids.every(isRunning)).toBe(true);
    expect(processesMentioning(server.dir).sort()).toEqual([...pids].sort());

    await server.stop();

    expect(pids.filter(isRunning)).toEqual([]);
    expect(processesMentioning(server.dir)).toEqual([]);
    expect(existsSync(server.dir)).toBe(false);
    await server.stop(); // idempotent
  });
});
