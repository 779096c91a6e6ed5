/**
 * A real ISC dhcpd failover pair (two dhcpd 4.4 processes in network namespaces, test/support/isc/dhcpd-server.ts),
 * read through our OMAPI client the way GET /relationships/{id}/state reads it: both sides reach `normal`, a lost
 * partner shows, and every refusal is the DriverError a caller can act on.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import type { FailoverState } from '../../src/vendors/driver.js';
import { DriverError, DriverErrorCode } from '../../src/vendors/driver-error.js';
import { readFailoverState } from '../../src/vendors/isc/omapi/isc-failover-state.js';
import { OmapiClient } from '../../src/vendors/isc/omapi/omapi-client.js';
import { omapiString } from '../../src/vendors/isc/omapi/omapi-wire.js';
import { type DhcpdPair, type DhcpdServer, dhcpdConf, startDhcpdPair } from '../support/isc/dhcpd-server.js';

const TIMEOUT_MS = 5_000;

let pair: DhcpdPair;
beforeAll(async () => {
  pair = await startDhcpdPair({ name: 'omapi', peerName: 'dfm-fo' });
}, 90_000);
afterAll(async () => {
  await pair?.stop();
});

function read(server: DhcpdServer, overrides: { keyName?: string; secret?: string; peer?: string } = {}) {
  return readFailoverState(
    server.omapiHost,
    server.omapiPort,
    overrides.keyName ?? current().key.name,
    overrides.secret ?? current().key.secret,
    overrides.peer ?? current().peerName,
    TIMEOUT_MS,
  );
}

/** Reads through `current` so the helpers below serve whichever pair a describe block started. */
let current: () => DhcpdPair = () => pair;

/** Polls `servers` (bounded) until `done` holds; on timeout, fails with the last answers and dhcpd's output. */
async function waitForStates(
  servers: DhcpdServer[],
  done: (states: FailoverState[]) => boolean,
  what: string,
  boundMs = 90_000,
): Promise<FailoverState[]> {
  const deadline = Date.now() + boundMs;
  let last: unknown;
  for (;;) {
    try {
      const states = await Promise.all(servers.map((server) => read(server)));
      if (done(states)) return states;
      last = states.map((s) => `${s.state}/${s.partnerState}`).join(', ');
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what} not seen within ${boundMs} ms; last: ${String(last)}\n${await current().output()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const allNormal = (states: FailoverState[]): boolean =>
  states.every((s) => s.state === 'normal' && s.partnerState === 'normal');

/** The promise fails with a DriverError of `code` whose message (with dhcpd's own text after it) matches. */
async function expectDriverError(promise: Promise<unknown>, code: DriverErrorCode, message: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DriverError);
  const { code: actual, message: text, vendorMessage } = error as DriverError;
  expect(actual).toBe(code);
  expect(vendorMessage ? `${text}: ${vendorMessage}` : text).toMatch(message);
}

describe('a real dhcpd failover pair over OMAPI', () => {
  it('reaches normal on both sides, and each side reports its role and the peer settings', async () => {
    const [primary, secondary] = await waitForStates(
      [pair.primary, pair.secondary],
      allNormal,
      'normal on both sides',
    );
    expect(primary.detail).toMatchObject({
      source: 'omapi',
      peerName: 'dfm-fo',
      role: 'primary',
      localState: 2,
      partnerState: 2,
      mclt: 60,
      loadBalanceMaxSeconds: 3,
      maxResponseDelay: 30,
      maxOutstandingUpdates: 10,
      localPort: 647,
      partnerPort: 647,
    });
    expect(secondary.detail).toMatchObject({ peerName: 'dfm-fo', role: 'secondary', localState: 2 });
    expect(typeof primary.detail['localStateSince']).toBe('string');
    expect(await pair.output()).toContain('Both servers normal');
  });

  it('shows a lost partner: the primary leaves normal, and both are normal again once it is back', async () => {
    await pair.secondary.stop();
    const [primary] = await waitForStates(
      [pair.primary],
      ([p]) => p.state !== 'normal',
      'the primary leaving normal',
      60_000,
    );
    expect(primary.state).toBe('communications-interrupted');
    await expectDriverError(read(pair.secondary), DriverErrorCode.unreachable, /cannot connect/);

    await pair.secondary.restart();
    await waitForStates(
      [pair.primary, pair.secondary],
      allNormal,
      'normal on both sides after the secondary restarted',
    );
  });

  it('refuses a wrong key secret (auth), a key name dhcpd does not hold (auth) and no key at all (auth)', async () => {
    const wrong = randomBytes(16).toString('base64');
    await expectDriverError(read(pair.primary, { secret: wrong }), DriverErrorCode.auth, /wrong key secret/);
    await expectDriverError(
      read(pair.primary, { keyName: 'not_the_key' }),
      DriverErrorCode.auth,
      /does not know the key not_the_key/,
    );
    const client = await OmapiClient.connect({
      host: pair.primary.omapiHost,
      port: pair.primary.omapiPort,
      timeoutMs: TIMEOUT_MS,
    });
    try {
      await expectDriverError(
        client.openObject('failover-state', new Map([['name', omapiString(pair.peerName)]])),
        DriverErrorCode.auth,
        /no key/,
      );
    } finally {
      client.close();
    }
  });

  it('answers not-found for a peer name dhcpd does not have', async () => {
    await expectDriverError(
      read(pair.secondary, { peer: 'no-such-peer' }),
      DriverErrorCode.notFound,
      /failover-state "no-such-peer".*no object matches specification/,
    );
  });

  it('answers unreachable for a closed port', async () => {
    await expectDriverError(
      readFailoverState(
        pair.primary.omapiHost,
        pair.primary.omapiPort + 1,
        pair.key.name,
        pair.key.secret,
        pair.peerName,
        TIMEOUT_MS,
      ),
      DriverErrorCode.unreachable,
      /cannot connect \(ECONNREFUSED\)/,
    );
  });

  it('refuses a registered key secret that is not base64 (auth) before connecting', async () => {
    await expectDriverError(
      read(pair.primary, { secret: 'not base64!' }),
      DriverErrorCode.auth,
      /not base64/,
    );
  });

  describe('misbehaving servers', () => {
    let server: net.Server;
    let sockets: net.Socket[];
    afterEach(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    async function listen(onConnection: (socket: net.Socket) => void): Promise<number> {
      sockets = [];
      server = net.createServer((socket) => {
        sockets.push(socket);
        socket.on('error', () => undefined);
        onConnection(socket);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as net.AddressInfo).port;
    }

    it('a server that accepts and never speaks: unreachable once the bound passes', async () => {
      const port = await listen(() => undefined);
      await expectDriverError(
        readFailoverState('127.0.0.1', port, pair.key.name, pair.key.secret, pair.peerName, 300),
        DriverErrorCode.unreachable,
        /no OMAPI session within 300 ms/,
      );
    });

    it('a server that is not OMAPI: unreachable, saying so', async () => {
      const port = await listen((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
      await expectDriverError(
        readFailoverState('127.0.0.1', port, pair.key.name, pair.key.secret, pair.peerName, TIMEOUT_MS),
        DriverErrorCode.unreachable,
        /not OMAPI: protocol version/,
      );
    });
  });
});

describe('two dhcpd servers that a relationship turns into a failover pair', () => {
  let servers: DhcpdPair;
  beforeAll(async () => {
    servers = await startDhcpdPair({ name: 'omapi-later', peerName: 'dfm-later', withPeers: false });
    current = () => servers;
  }, 90_000);
  afterAll(async () => {
    current = () => pair;
    await servers?.stop();
  });

  it('have no failover state before the peers exist (not-found), and reach normal once written and restarted', async () => {
    await expectDriverError(read(servers.primary), DriverErrorCode.notFound, /no such object/);
    // What POST /relationships does on each side: write the peer (primary, secondary) and run the restart command.
    for (const [server, role] of [
      [servers.primary, 'primary'],
      [servers.secondary, 'secondary'],
    ] as const) {
      await writeFile(server.configPath, dhcpdConf({ key: servers.key, peer: servers.peer(role) }));
      await server.restart();
    }
    const states = await waitForStates(
      [servers.primary, servers.secondary],
      allNormal,
      'normal on both sides',
    );
    expect(states.map((state) => state.detail['role'])).toEqual(['primary', 'secondary']);
  });
});
