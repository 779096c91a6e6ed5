import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { dhcpdAccepts, mainConf, SUBNETS_CONF } from '../support/isc/dhcpd-files.js';
import { principalWith } from '../support/fixtures.js';
import {
  type IscEstate,
  type IscServerFiles,
  startIscEstate,
  stopIscEstate,
} from '../support/isc/isc-estate.js';
import { replicate, type ScopeOutcomeBody } from '../support/jobs.js';
import { startSshd } from '../support/sshd.js';
import { bearer, type TestApp } from '../support/test-app.js';

const PEER_A = `failover peer "dhcp-failover" {
  primary;
  address 127.0.0.1;
  port 647;
  peer address 127.0.0.2;
  peer port 647;
  max-response-delay 60;
  max-unacked-updates 10;
  mclt 3600;
  split 128;
  load balance max seconds 3;
}`;

/** The primary's side: peer "dhcp-failover". */
const mainA = (include: string): string => `# Server A (primary)
authoritative;
default-lease-time 600;
max-lease-time 7200;
option domain-name "example.org";

${PEER_A}

include "${include}";
`;

const SUBNETS_A = `shared-network office {
  option domain-name-servers 10.20.0.53;

  subnet 10.20.0.0 netmask 255.255.255.0 {
    option routers 10.20.0.1;
    default-lease-time 3600;
    pool {
      failover peer "dhcp-failover";
      range 10.20.0.10 10.20.0.99;
    }
  }

  subnet 10.21.0.0 netmask 255.255.255.0 {
    option routers 10.21.0.1;
    pool {
      failover peer "dhcp-failover";
      range 10.21.0.10 10.21.0.50;
      range 10.21.0.60 10.21.0.99;
    }
  }
}

subnet 10.30.0.0 netmask 255.255.255.0 {
  option routers 10.30.0.1;
  pool {
    failover peer "dhcp-failover";
    range 10.30.0.100 10.30.0.199;
  }
}

host printer {
  hardware ethernet 0a:00:00:00:00:01;
  fixed-address 10.20.0.5;
  option host-name "printer";
}
`;

/** The secondary's side: its own peer name ("fo-b"), an older copy of 10.20.0.0, no 10.21.0.0. */
const mainB = (include: string): string => `# Server B (secondary)
authoritative;
default-lease-time 600;
max-lease-time 7200;

failover peer "fo-b" {
  secondary;
  address 127.0.0.2;
  port 647;
  peer address 127.0.0.1;
  peer port 647;
  max-response-delay 60;
  max-unacked-updates 10;
  load balance max seconds 3;
}

include "${include}";
`;

const SUBNETS_B = `# Office subnets, kept in step with A by replication.
shared-network office {
  option domain-name-servers 10.20.0.53;

  subnet 10.20.0.0 netmask 255.255.255.0 {
    option routers 10.20.0.254; # old gateway
    default-lease-time 3600;
    pool {
      failover peer "fo-b";
      range 10.20.0.10 10.20.0.50;
    }
  }
}

subnet 10.30.0.0 netmask 255.255.255.0 {
  option routers 10.30.0.1;
  pool {
    failover peer "fo-b";
    range 10.30.0.100 10.30.0.199;
  }
}
`;

/** A source whose subnet uses an option space only it declares: valid there, rejected by dhcpd -t elsewhere. */
const mainC = (include: string): string => `option space acme;
option acme.level code 1 = unsigned integer 8;

include "${include}";
`;
const SUBNETS_C = `subnet 10.50.0.0 netmask 255.255.255.0 {
  option acme.level 3;
  range 10.50.0.10 10.50.0.20;
}
`;

/** Lines removed and added between two texts (a longest-common-subsequence diff), trimmed. */
function lineChanges(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  const lengths = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i][j] =
        a[i] === b[j] ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
    }
  }
  const removed: string[] = [];
  const added: string[] = [];
  let [i, j] = [0, 0];
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (j < b.length && (i === a.length || lengths[i][j + 1] >= lengths[i + 1][j])) {
      added.push(b[j++].trim());
    } else {
      removed.push(a[i++].trim());
    }
  }
  return { removed, added };
}

describe('ISC dhcpd driver through the API, over a real sshd and the real dhcpd -t', () => {
  let t: TestApp;
  let isc: IscEstate;
  let a: IscServerFiles;
  let b: IscServerFiles;
  let c: IscServerFiles;
  let idA: string;
  let idB: string;
  let idC: string;
  let idALocal: string;
  let rel: string;
  const auth = (): { Authorization: string } => bearer(t.adminKey);

  beforeAll(async () => {
    ({ t, isc } = await startIscEstate());
    a = await isc.files({ main: mainA, include: SUBNETS_A });
    b = await isc.files({ main: mainB, include: SUBNETS_B, midWriteEdits: true });
    c = await isc.files({ main: mainC, include: SUBNETS_C });
    [idA, idB, idC, idALocal] = [
      await isc.register(a),
      await isc.register(b),
      await isc.register(c, 'local'),
      await isc.register(a, 'local'),
    ];
    rel = await isc.relationship(
      { serverId: idA, peerName: 'dhcp-failover' },
      { serverId: idB, peerName: 'fo-b' },
    );
  });
  afterAll(() => stopIscEstate(t, isc));

  it.each([
    ['ssh', () => idA],
    ['local', () => idALocal],
  ])('the connection test over %s reports the dhcpd version, the peers and the subnets', async (kind, id) => {
    const response = await t.http.post(`/api/v1/servers/${id()}/connection-test`).set(auth()).expect(200);
    expect(response.body).toMatchObject({
      ok: true,
      software: 'ISC DHCP Server (dhcpd)',
      version: expect.stringMatching(/^4\.\d+\.\d+/),
      facts: {
        transport: kind,
        configValid: true,
        subnets: 3,
        files: [a.configPath, a.includePath],
        failoverPeers: [
          {
            name: 'dhcp-failover',
            role: 'primary',
            address: '127.0.0.1',
            port: 647,
            peerAddress: '127.0.0.2',
            peerPort: 647,
            pools: 3,
          },
        ],
      },
    });
  });

  it('lists subnets wherever they are declared and reads one in the vendor-neutral model, the same over both transports', async () => {
    const list = await t.http.get(`/api/v1/servers/${idA}/scopes`).set(auth()).expect(200);
    const items = (list.body.items ?? list.body) as Array<Record<string, unknown>>;
    expect(items).toEqual([
      { subnet: '10.20.0.0/24', enabled: true, failover: 'dhcp-failover' },
      { subnet: '10.21.0.0/24', enabled: true, failover: 'dhcp-failover' },
      { subnet: '10.30.0.0/24', enabled: true, failover: 'dhcp-failover' },
    ]);

    const scope = await t.http.get(`/api/v1/servers/${idA}/scopes/10.20.0.0`).set(auth()).expect(200);
    expect(scope.body).toMatchObject({
      subnet: '10.20.0.0/24',
      enabled: true,
      leaseTime: 3600,
      pools: [{ start: '10.20.0.10', end: '10.20.0.99', failoverPeer: 'dhcp-failover' }],
      exclusions: [
        { start: '10.20.0.1', end: '10.20.0.9' },
        { start: '10.20.0.100', end: '10.20.0.254' },
      ],
      reservations: [
        {
          address: '10.20.0.5',
          hardwareAddress: '0a:00:00:00:00:01',
          name: 'printer',
          options: [{ code: 12, name: 'host-name', value: 'printer' }],
        },
      ],
      options: [{ code: 3, name: 'routers', value: '10.20.0.1' }],
      vendorExtras: {
        sharedNetwork: 'office',
        sharedNetworkStatements: ['option domain-name-servers 10.20.0.53;'],
      },
    });
    const local = await t.http.get(`/api/v1/servers/${idALocal}/scopes/10.20.0.0`).set(auth()).expect(200);
    expect(local.body).toEqual(scope.body);

    const missing = await t.http.get(`/api/v1/servers/${idA}/scopes/10.99.0.0`).set(auth()).expect(404);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(missing.body.detail).toContain('no subnet 10.99.0.0');
  });

  it('a dhcpd.conf the parser cannot read is a problem naming file, line and column', async () => {
    const broken = await isc.files({
      main: (include) => `include "${include}";\n`,
      include: 'subnet 10.60.0.0 netmask 255.255.255.0 {\n  range 10.60.0.10 10.60.0.20\n}\n',
    });
    const id = await isc.register(broken, 'local');
    const problem = await t.http.get(`/api/v1/servers/${id}/scopes`).set(auth()).expect(422);
    expect(problem.body).toMatchObject({ driverError: 'invalid-config' });
    expect(problem.body.detail).toContain(`${broken.includePath} line 2, column 3`);
    const test = await t.http.post(`/api/v1/servers/${id}/connection-test`).set(auth()).expect(200);
    expect(test.body).toMatchObject({ ok: false, error: { code: 'invalid-config' } });
  });

  it('a configPath that names a directory is a problem saying so, over both transports (not an unreachable server)', async () => {
    const files = await isc.files({ main: mainA, include: SUBNETS_CONF });
    const directory = path.dirname(files.configPath);
    for (const transport of ['ssh', 'local'] as const) {
      const id = await isc.register(files, transport, { configPath: directory });
      const problem = await t.http.get(`/api/v1/servers/${id}/scopes`).set(auth()).expect(422);
      expect(problem.body).toMatchObject({ driverError: 'invalid-config' });
      expect(problem.body.detail).toContain(`${directory} on `);
      expect(problem.body.detail).toContain(
        'is a directory; register the path of dhcpd.conf itself as configPath',
      );
    }
  });

  it("a broken key declaration is reported by line, without the key's secret (ours or dhcpd's message)", async () => {
    const secret = 'c2VjcmV0LW9tYXBpLWtleS1wcm9iZQ==';
    const keyed = (statement: string) =>
      isc.files({
        main: (include) =>
          `key omapi_key {\n  algorithm hmac-md5;\n  ${statement}\n}\nomapi-key omapi_key;\ninclude "${include}";\n`,
        include: SUBNETS_A,
      });
    // Our parser: the missing ';' is after the secret.
    const unparsable = await keyed(`secret "${secret}"`);
    const id = await isc.register(unparsable, 'local');
    const problem = await t.http.get(`/api/v1/servers/${id}/scopes`).set(auth()).expect(422);
    expect(problem.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(problem.body.detail).toContain(`${unparsable.configPath} line 3, column`);
    expect(problem.body.detail).toContain('secret [redacted]');
    expect(JSON.stringify(problem.body)).not.toContain(secret);
    // dhcpd -t: it parses for us, dhcpd refuses it and prints the line with the secret.
    const refused = await keyed(`secret "${secret}" x;`);
    const refusedId = await isc.register(refused, 'local');
    const test = await t.http.post(`/api/v1/servers/${refusedId}/connection-test`).set(auth()).expect(200);
    expect(test.body).toMatchObject({ ok: false, error: { code: 'invalid-config' } });
    expect(JSON.stringify(test.body)).toContain('secret [redacted]');
    expect(JSON.stringify(test.body)).not.toContain(secret);
  });

  it("a write dhcpd -t rejects reaches the caller as problem+json with dhcpd's text, and nothing changes", async () => {
    const relCB = await isc.relationship(
      { serverId: idC, peerName: 'none' },
      { serverId: idB, peerName: 'fo-b' },
    );
    const [main, include, restarts] = [await b.main(), await b.include(), await b.restarts()];
    const response = await t.http
      .post(`/api/v1/relationships/${relCB}/scopes`)
      .set(auth())
      .send({ network: '10.50.0.0', sourceServerId: idC })
      .expect(422);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body).toMatchObject({
      type: 'urn:dfm:problem:server-rejected-config',
      driverError: 'invalid-config',
      vendorMessage: expect.stringContaining('no option space named acme'),
    });
    expect(response.body.detail).toContain('dhcpd -t rejected the configuration');
    // dhcpd's diagnostics name the live file (the new subnet goes at the end of it), not our temporary copy.
    expect(response.body.vendorMessage).toContain(`${b.configPath} line`);
    expect([await b.main(), await b.include(), await b.restarts()]).toEqual([main, include, restarts]);
    expect(await b.leftovers()).toEqual([]);
  });

  it('a restart that fails puts the previous files back and says so', async () => {
    const d = await isc.files({ main: mainConf, include: SUBNETS_CONF });
    const idD = await isc.register(d);
    const relAD = await isc.relationship(
      { serverId: idA, peerName: 'dhcp-failover' },
      { serverId: idD, peerName: 'none' },
    );
    await d.failAllRestarts();
    const response = await t.http
      .post(`/api/v1/relationships/${relAD}/scopes`)
      .set(auth())
      .send({ network: '10.30.0.0', sourceServerId: idA })
      .expect(422);
    expect(response.body.detail).toContain('restart after the change failed');
    expect(response.body.detail).toContain('the previous configuration was restored');
    expect(response.body.vendorMessage).toContain('simulated start failure');
    expect([await d.main(), await d.include()]).toEqual([mainConf(d.includePath), SUBNETS_CONF]);
    expect((await d.restarts()).map((line) => line.split(' ')[0])).toEqual(['fail', 'fail']);
    expect(await d.leftovers()).toEqual([]);
  });

  it('a changed host key and an SSH server that is down are problems saying so', async () => {
    const wrongKey = await isc.register(a, 'ssh', { hostKeyFingerprint: isc.sshd.userKeyFingerprint });
    const refused = await t.http.get(`/api/v1/servers/${wrongKey}/scopes`).set(auth()).expect(502);
    expect(refused.body).toMatchObject({ type: 'urn:dfm:problem:server-auth-failed', driverError: 'auth' });
    expect(refused.body.detail).toContain('host key mismatch');
    expect(refused.body.detail).toContain(isc.sshd.userKeyFingerprint);
    expect(refused.body.detail).toContain(isc.sshd.hostKeyFingerprint);

    const gone = await startSshd({ name: 'isc-down' });
    const down = await isc.register(a, 'ssh', {
      host: gone.host,
      port: gone.port,
      hostKeyFingerprint: gone.hostKeyFingerprint,
      privateKey: gone.privateKey,
    });
    await t.http.get(`/api/v1/servers/${down}/scopes`).set(auth()).expect(200);
    await gone.stop();
    const unreachable = await t.http.get(`/api/v1/servers/${down}/scopes`).set(auth()).expect(502);
    expect(unreachable.body).toMatchObject({
      type: 'urn:dfm:problem:server-unreachable',
      driverError: 'unreachable',
    });
    expect(unreachable.body.detail).toContain(`${gone.host}:${gone.port}`);
  });

  it('an edit made on the server while we validate is a conflict and is not overwritten', async () => {
    const before = await b.main();
    await b.editDuringNextCheck('# edited by hand during the write\n');
    const response = await t.http
      .post(`/api/v1/relationships/${rel}/scopes`)
      .set(auth())
      .send({ network: '10.21.0.0', sourceServerId: idA })
      .expect(409);
    expect(response.body).toMatchObject({ driverError: 'conflict' });
    expect(response.body.detail).toContain('changed on');
    expect(response.body.detail).toContain('nothing was written');
    expect(await b.main()).toBe(`${before}# edited by hand during the write\n`);
    expect(await b.include()).toBe(SUBNETS_B);
    expect(await b.leftovers()).toEqual([]);
  });

  describe('ISC to ISC replication', () => {
    const scopeBody = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
      kind: 'scope',
      sourceServerId: idA,
      destinationServerId: idB,
      relationshipId: rel,
      network: '10.20.0.0',
      ...extra,
    });
    const outcomeOf = (job: { outcome: { scopes?: Record<string, ScopeOutcomeBody> } }, network: string) =>
      job.outcome.scopes?.[`${rel}/${network}`];
    /** Registers two servers (peers "dhcp-failover" and "fo-b"), adopts their relationship, replicates `network`. */
    const replicatePair = async (
      s: IscServerFiles,
      d: IscServerFiles,
      network: string,
      dryRunFirst = false,
    ) => {
      const [idS, idD] = [await isc.register(s), await isc.register(d)];
      const pair = await isc.relationship(
        { serverId: idS, peerName: 'dhcp-failover' },
        { serverId: idD, peerName: 'fo-b' },
      );
      const body = {
        kind: 'scope',
        sourceServerId: idS,
        destinationServerId: idD,
        relationshipId: pair,
        network,
      };
      const dry = dryRunFirst ? await replicate(t, { ...body, dryRun: true }) : undefined;
      const job = await replicate(t, body);
      return { idS, idD, pair, dry, job };
    };

    it('a named scope the source lacks fails the job, saying so, and writes nothing', async () => {
      const [main, include, restarts] = [await b.main(), await b.include(), await b.restarts()];
      const job = await replicate(t, scopeBody({ network: '10.99.0.0' }));
      expect(job.state).toBe('failed');
      expect(outcomeOf(job, '10.99.0.0')).toMatchObject({
        state: 'failed',
        reason: expect.stringMatching(/has no scope 10\.99\.0\.0$/),
      });
      expect(job.error).toMatch(/^1 of 1 scopes failed .*10\.99\.0\.0: .*has no scope 10\.99\.0\.0/);
      expect([await b.main(), await b.include(), await b.restarts()]).toEqual([main, include, restarts]);
    });

    it("a dry run writes nothing; the real run changes only the lines it must, keeps B's peer name, and is audited", async () => {
      const [main, include, restarts] = [await b.main(), await b.include(), await b.restarts()];
      const dry = await replicate(t, scopeBody({ dryRun: true }));
      expect(dry.state).toBe('succeeded');
      expect(outcomeOf(dry, '10.20.0.0')).toMatchObject({ state: 'would-replace' });
      expect([await b.main(), await b.include(), await b.restarts()]).toEqual([main, include, restarts]);

      const job = await replicate(t, scopeBody());
      expect(job.state).toBe('succeeded');
      expect(outcomeOf(job, '10.20.0.0')).toMatchObject({ state: 'replaced' });
      expect(await b.main()).toBe(main);
      expect(lineChanges(include, await b.include())).toEqual({
        removed: ['option routers 10.20.0.254; # old gateway', 'range 10.20.0.10 10.20.0.50;'],
        added: [
          'option routers 10.20.0.1; # old gateway',
          'range 10.20.0.10 10.20.0.99;',
          '',
          'host printer {',
          'hardware ethernet 0a:00:00:00:00:01;',
          'fixed-address 10.20.0.5;',
          'option host-name "printer";',
          '}',
        ],
      });
      expect(await b.include()).toContain('failover peer "fo-b";');
      expect(await b.include()).not.toContain('dhcp-failover');
      await dhcpdAccepts(b);
      expect((await b.restarts()).length).toBe(restarts.length + 1);

      const copy = await t.http.get(`/api/v1/servers/${idB}/scopes/10.20.0.0`).set(auth()).expect(200);
      expect(copy.body).toMatchObject({
        pools: [{ start: '10.20.0.10', end: '10.20.0.99', failoverPeer: 'fo-b' }],
        options: [{ code: 3, value: '10.20.0.1' }],
        reservations: [{ address: '10.20.0.5', name: 'printer' }],
      });
      const audit: Array<{ correlation_id: string; details: Record<string, unknown> }> = await t.app
        .get(DataSource)
        .query(
          `SELECT correlation_id, details FROM audit_events WHERE action = 'replication.written' AND target_id = $1`,
          [idB],
        );
      const entry = audit.find((row) => row.correlation_id === job.id);
      expect(entry?.details).toMatchObject({
        jobId: job.id,
        networks: ['10.20.0.0/24'],
        before: expect.stringMatching(/^sha256:/),
        after: expect.stringMatching(/^sha256:/),
      });
      expect(entry?.details['before']).not.toBe(entry?.details['after']);
    });

    it('a host using an option only the source defines arrives with the definition, and dhcpd -t accepts it', async () => {
      const subnet = (peer: string, host: string): string => `subnet 10.60.0.0 netmask 255.255.255.0 {
  option routers 10.60.0.1;
  pool {
    failover peer "${peer}";
    range 10.60.0.10 10.60.0.99;
  }
${host}}
`;
      const s = await isc.files({
        main: (include) =>
          mainA(include).replace('authoritative;', 'authoritative;\noption site-info code 224 = text;'),
        include: subnet(
          'dhcp-failover',
          '  host lab {\n    fixed-address 10.60.0.5;\n    option site-info "lab";\n  }\n',
        ),
      });
      const d = await isc.files({ main: mainB, include: subnet('fo-b', '') });
      await dhcpdAccepts(s);
      const { idD, job } = await replicatePair(s, d, '10.60.0.0');
      expect(job.state).toBe('succeeded');
      const main = await d.main();
      expect(main).toContain('option site-info code 224 = text;');
      expect(main.indexOf('option site-info code 224')).toBeLessThan(main.indexOf('include'));
      expect(await d.include()).toContain('option site-info "lab";');
      await dhcpdAccepts(d);
      const copy = await t.http.get(`/api/v1/servers/${idD}/scopes/10.60.0.0`).set(auth()).expect(200);
      expect(copy.body.reservations).toEqual([
        { address: '10.60.0.5', name: 'lab', options: [{ code: 224, name: 'site-info', value: 'lab' }] },
      ]);
    });

    it("a subnet whose hosts are all in its block arrives as the source declares it, with the destination's peer and its comments in front; its diff is made from both declarations", async () => {
      const sourceSubnet = `# the lab, as A has it
subnet 10.80.0.0 netmask 255.255.255.0 {
  option routers 10.80.0.1;   # new gateway
  default-lease-time 900;
  pool {
    failover peer "dhcp-failover";
    range 10.80.0.10 10.80.0.99;
  }
  host lab-1 { hardware ethernet 0a:00:00:00:08:01; fixed-address 10.80.0.5; option host-name "lab-1"; }
  host lab-2 { hardware ethernet 0a:00:00:00:08:02; fixed-address 10.80.0.6; }
}
`;
      const destinationSubnet = `# B's own note on the lab stays
subnet 10.80.0.0 netmask 255.255.255.0 {
    option routers 10.80.0.254;
    pool {
        failover peer "fo-b";
        range 10.80.0.10 10.80.0.50;
    }
    host lab-1 { hardware ethernet 0a:00:00:00:08:09; fixed-address 10.80.0.5; }
}
# after the lab
`;
      const s = await isc.files({ main: mainA, include: sourceSubnet });
      const d = await isc.files({ main: mainB, include: destinationSubnet });
      const { idS, idD, pair, dry, job } = await replicatePair(s, d, '10.80.0.0', true);
      expect(dry?.outcome.scopes?.[`${pair}/10.80.0.0`]).toMatchObject({ state: 'would-replace' });
      expect(job.outcome.scopes?.[`${pair}/10.80.0.0`]).toMatchObject({ state: 'replaced' });
      expect(await d.include()).toBe(
        sourceSubnet
          .replace('# the lab, as A has it', "# B's own note on the lab stays")
          .replace('"dhcp-failover"', '"fo-b"') + '# after the lab\n',
      );
      await dhcpdAccepts(d);
      const [copy, original] = await Promise.all(
        [idD, idS].map((id) => t.http.get(`/api/v1/servers/${id}/scopes/10.80.0.0`).set(auth()).expect(200)),
      );
      expect(copy.body).toEqual({
        ...original.body,
        pools: [{ start: '10.80.0.10', end: '10.80.0.99', failoverPeer: 'fo-b' }],
      });

      // The diff was decided from both declarations' text and is made in the model's terms when read.
      const diffOf = async (id: string): Promise<unknown> =>
        (await t.http.get(`/api/v1/jobs/${id}?include=details`).set(auth()).expect(200)).body.details.diffs[
          `${pair}/10.80.0.0`
        ];
      const made = {
        created: false,
        unchanged: false,
        settings: [{ setting: 'leaseTime', after: 900 }],
        options: {
          added: [],
          removed: [],
          changed: [
            {
              key: '3',
              before: { code: 3, name: 'routers', value: '10.80.0.254' },
              after: { code: 3, name: 'routers', value: '10.80.0.1' },
            },
          ],
        },
        reservations: {
          added: [{ address: '10.80.0.6', hardwareAddress: '0a:00:00:00:08:02', name: 'lab-2', options: [] }],
          removed: [],
          changed: [
            {
              key: '10.80.0.5',
              before: {
                address: '10.80.0.5',
                hardwareAddress: '0a:00:00:00:08:09',
                name: 'lab-1',
                options: [],
              },
              after: {
                address: '10.80.0.5',
                hardwareAddress: '0a:00:00:00:08:01',
                name: 'lab-1',
                options: [{ code: 12, name: 'host-name', value: 'lab-1' }],
              },
            },
          ],
        },
        pools: {
          added: [{ start: '10.80.0.10', end: '10.80.0.99' }],
          removed: [{ start: '10.80.0.10', end: '10.80.0.50' }],
          changed: [],
        },
        exclusions: {
          added: [{ start: '10.80.0.100', end: '10.80.0.254' }],
          removed: [{ start: '10.80.0.51', end: '10.80.0.254' }],
          changed: [],
        },
      };
      const saved = async (): Promise<Record<string, unknown>> => {
        const rows: Array<{ diff: Record<string, unknown> }> = await t.app
          .get(DataSource)
          .query('SELECT "diff" FROM "job_diffs" WHERE "job_id" = $1', [job.id]);
        return rows[0].diff;
      };
      // Saved with the write as both declarations (B's before, A's after) ...
      expect(await saved()).toMatchObject({
        deferred: {
          vendor: 'isc',
          evidence: {
            before: expect.stringContaining('option routers 10.80.0.254;'),
            after: expect.stringContaining('option routers 10.80.0.1;   # new gateway'),
          },
        },
      });
      expect(await diffOf(job.id)).toEqual(made);
      // A dry run's diff is made the same way, and says what the write then did.
      expect(await diffOf(dry!.id)).toEqual(made);
      // ... and kept as made once read.
      expect(await saved()).toEqual(made);
      expect(await diffOf(job.id)).toEqual(made);

      // The copy now says what the source says: the next replication finds it unchanged and writes nothing.
      const restarts = (await d.restarts()).length;
      const again = await replicate(t, {
        kind: 'scope',
        sourceServerId: idS,
        destinationServerId: idD,
        relationshipId: pair,
        network: '10.80.0.0',
      });
      expect(again.outcome.scopes?.[`${pair}/10.80.0.0`]).toMatchObject({ state: 'unchanged' });
      expect((await d.restarts()).length).toBe(restarts);

      // A declaration that differs only in spacing is rewritten as the source has it; in the model nothing changed.
      await writeFile(
        d.includePath,
        (await d.include()).replace('  default-lease-time 900;', '\tdefault-lease-time   900;'),
      );
      const spaced = await replicate(t, {
        kind: 'scope',
        sourceServerId: idS,
        destinationServerId: idD,
        relationshipId: pair,
        network: '10.80.0.0',
      });
      expect(spaced.outcome.scopes?.[`${pair}/10.80.0.0`]).toMatchObject({ state: 'replaced' });
      expect(await d.include()).toContain('\n  default-lease-time 900;\n');
      expect(await diffOf(spaced.id)).toMatchObject({ created: false, unchanged: true, settings: [] });
    });

    it('a destination file with CRLF line endings keeps them when a subnet arrives from a file with LF', async () => {
      const sourceSubnet = `subnet 10.81.0.0 netmask 255.255.255.0 {
  option routers 10.81.0.1;
  pool {
    failover peer "dhcp-failover";
    range 10.81.0.10 10.81.0.99;
  }
  host crlf-1 { hardware ethernet 0a:00:00:00:81:01; fixed-address 10.81.0.5; }
}
`;
      const destinationSubnet = `# B's lab, edited on Windows\r
subnet 10.81.0.0 netmask 255.255.255.0 {\r
  option routers 10.81.0.254;\r
  pool {\r
    failover peer "fo-b";\r
    range 10.81.0.10 10.81.0.50;\r
  }\r
}\r
`;
      const s = await isc.files({ main: mainA, include: sourceSubnet });
      const d = await isc.files({ main: mainB, include: destinationSubnet });
      const { idS, idD, pair, job } = await replicatePair(s, d, '10.81.0.0');
      expect(job.outcome.scopes?.[`${pair}/10.81.0.0`]).toMatchObject({ state: 'replaced' });
      const written = await d.include();
      expect(written).toContain('option routers 10.81.0.1;\r\n');
      expect(written).toContain('fixed-address 10.81.0.5;');
      expect(written).not.toMatch(/[^\r]\n/);
      await dhcpdAccepts(d);
      const [copy, original] = await Promise.all(
        [idD, idS].map((id) => t.http.get(`/api/v1/servers/${id}/scopes/10.81.0.0`).set(auth()).expect(200)),
      );
      expect(copy.body).toEqual({
        ...original.body,
        pools: [{ start: '10.81.0.10', end: '10.81.0.99', failoverPeer: 'fo-b' }],
      });
    });

    it("subnets of a shared-network the destination lacks arrive in one like the source's, with its statements, and dhcpd -t accepts it", async () => {
      const pool = (peer: string, at: string): string =>
        `pool {\n      failover peer "${peer}";\n      range ${at}.10 ${at}.99;\n    }`;
      const link = `shared-network "lab link" {
  option domain-name "lab.example";
  subnet 10.62.0.0 netmask 255.255.255.0 {
    ${pool('dhcp-failover', '10.62.0')}
  }
  subnet 10.63.0.0 netmask 255.255.255.0 {
    ${pool('dhcp-failover', '10.63.0')}
  }
}
`;
      const own = `subnet 10.64.0.0 netmask 255.255.255.0 {\n  ${pool('fo-b', '10.64.0').replace(/\n {4}/g, '\n  ')}\n}\n`;
      const s = await isc.files({ main: mainA, include: link });
      const d = await isc.files({ main: mainB, include: own });
      const [idS, idD] = [await isc.register(s), await isc.register(d)];
      const pair = await isc.relationship(
        { serverId: idS, peerName: 'dhcp-failover' },
        { serverId: idD, peerName: 'fo-b' },
      );
      const job = await replicate(t, { kind: 'relationship', sourceServerId: idS, relationshipId: pair });
      expect(job.state).toBe('succeeded');
      expect(job.outcome.scopes?.[`${pair}/10.62.0.0`]).toMatchObject({ state: 'replaced' });
      expect(job.outcome.scopes?.[`${pair}/10.63.0.0`]).toMatchObject({ state: 'replaced' });
      const main = await d.main();
      expect(main.slice(main.indexOf('shared-network'))).toBe(link.replace(/dhcp-failover/g, 'fo-b'));
      expect(await d.include()).toBe(own);
      await dhcpdAccepts(d);
      for (const network of ['10.62.0.0', '10.63.0.0']) {
        const [copy, original] = await Promise.all(
          [idD, idS].map((id) =>
            t.http.get(`/api/v1/servers/${id}/scopes/${network}`).set(auth()).expect(200),
          ),
        );
        expect(copy.body.vendorExtras).toEqual({
          sharedNetwork: 'lab link',
          sharedNetworkStatements: ['option domain-name "lab.example";'],
        });
        expect(copy.body).toEqual({
          ...original.body,
          pools: original.body.pools.map((p: Record<string, unknown>) => ({ ...p, failoverPeer: 'fo-b' })),
        });
      }
      // Nothing left to do: a second run changes nothing.
      const again = await replicate(t, { kind: 'relationship', sourceServerId: idS, relationshipId: pair });
      expect(again.outcome.scopes?.[`${pair}/10.62.0.0`]).toMatchObject({ state: 'unchanged' });
      expect(await d.main()).toBe(main);
    });

    it("a relationship replication writes every changed subnet of the relationship's peer in one validated write", async () => {
      const restarts = (await b.restarts()).length;
      // A subnet of A whose pool names no peer is not the relationship's: it is not copied.
      const subnetsA = await a.include();
      await writeFile(
        a.includePath,
        `${subnetsA}\nsubnet 10.40.0.0 netmask 255.255.255.0 {\n  range 10.40.0.10 10.40.0.99;\n}\n`,
      );
      let job;
      try {
        job = await replicate(t, { kind: 'relationship', sourceServerId: idA, relationshipId: rel });
      } finally {
        await writeFile(a.includePath, subnetsA);
      }
      expect(job.state).toBe('succeeded');
      expect(Object.keys(job.outcome.scopes ?? {}).sort()).toEqual(
        ['10.20.0.0', '10.21.0.0', '10.30.0.0'].map((network) => `${rel}/${network}`),
      );
      expect(outcomeOf(job, '10.20.0.0')?.state).toBe('unchanged');
      expect(outcomeOf(job, '10.21.0.0')?.state).toBe('replaced');
      expect(outcomeOf(job, '10.30.0.0')?.state).toBe('unchanged');
      expect(await b.include()).not.toContain('10.40.0.0');
      // One write: one restart.
      expect((await b.restarts()).length).toBe(restarts + 1);
      const created = await t.http.get(`/api/v1/servers/${idB}/scopes/10.21.0.0`).set(auth()).expect(200);
      expect(created.body).toMatchObject({
        pools: [
          { start: '10.21.0.10', end: '10.21.0.50', failoverPeer: 'fo-b' },
          { start: '10.21.0.60', end: '10.21.0.99', failoverPeer: 'fo-b' },
        ],
        options: [{ code: 3, value: '10.21.0.1' }],
        vendorExtras: { sharedNetwork: 'office' },
      });
      await dhcpdAccepts(b);
    });

    it('pools alone copy only into addresses the destination has in ranges: the job says what stays behind, and the next run finds nothing to change', async () => {
      const subnet = (range: string, peer: string): string =>
        `subnet 10.80.0.0 netmask 255.255.255.0 {\n  pool {\n    failover peer "${peer}";\n    range ${range};\n  }\n}\n`;
      const s = await isc.files({ main: mainA, include: subnet('10.80.0.20 10.80.0.150', 'dhcp-failover') });
      const d = await isc.files({ main: mainB, include: subnet('10.80.0.10 10.80.0.99', 'fo-b') });
      const [idS, idD] = [await isc.register(s), await isc.register(d)];
      const pair = await isc.relationship(
        { serverId: idS, peerName: 'dhcp-failover' },
        { serverId: idD, peerName: 'fo-b' },
      );
      const grant = (serverId: string): Record<string, unknown> => ({
        permissions: ['edit-address-pools'],
        resource: { type: 'scope', serverId, network: '10.80.0.0' },
      });
      const caller = await principalWith(t, [grant(idS), grant(idD)]);
      const body = { kind: 'scope', sourceServerId: idS, relationshipId: pair, network: '10.80.0.0' };
      const notCopied =
        'dhcpd holds pools and exclusions as one set of ranges: pools without exclusions only keep addresses the ' +
        "destination already has in a range, so 10.80.0.100-10.80.0.150 of the source's pools are not copied " +
        '(replicate exclusions too to copy them)';

      const job = await replicate(t, body, caller.key);
      expect(job.outcome.scopes?.[`${pair}/10.80.0.0`]).toMatchObject({
        state: 'replaced',
        partsLeftAlone: ['options', 'reservations', 'exclusions'],
        notCopied,
      });
      expect(await d.include()).toContain('range 10.80.0.20 10.80.0.99;');
      // The diff is what was written, not the source's pool.
      const details = await t.http.get(`/api/v1/jobs/${job.id}?include=details`).set(auth()).expect(200);
      expect(details.body.details.diffs[`${pair}/10.80.0.0`].pools).toEqual({
        added: [{ start: '10.80.0.20', end: '10.80.0.99' }],
        removed: [{ start: '10.80.0.10', end: '10.80.0.99' }],
        changed: [],
      });

      const restarts = (await d.restarts()).length;
      const again = await replicate(t, body, caller.key);
      expect(again.outcome.scopes?.[`${pair}/10.80.0.0`]).toMatchObject({ state: 'unchanged', notCopied });
      expect((await d.restarts()).length).toBe(restarts);
    });

    it('a host whose name another destination host has is refused with its scope, naming both; nothing of that scope is written, the others are', async () => {
      const subnet = (net: string, peer: string, hosts = ''): string =>
        `subnet 10.${net}.0.0 netmask 255.255.255.0 {\n  option routers 10.${net}.0.1;\n  pool {\n` +
        `    failover peer "${peer}";\n    range 10.${net}.0.10 10.${net}.0.99;\n  }\n${hosts}}\n`;
      const kiosk = (net: string, octet: string): string =>
        `  host kiosk { hardware ethernet 0a:00:00:00:${net}:01; fixed-address 10.${net}.0.${octet}; }\n`;
      // A brings kiosk into 10.82.0.0; B has a kiosk of its own in 10.83.0.0, which A does not have (not replicated).
      const s = await isc.files({
        main: mainA,
        include: subnet('82', 'dhcp-failover', kiosk('82', '5')) + subnet('84', 'dhcp-failover'),
      });
      const destination =
        subnet('82', 'fo-b') +
        subnet('83', 'fo-b', kiosk('83', '7')) +
        subnet('84', 'fo-b').replace('10.84.0.1;', '10.84.0.254;');
      const d = await isc.files({ main: mainB, include: destination });
      const [idS, idD] = [await isc.register(s), await isc.register(d)];
      const pair = await isc.relationship(
        { serverId: idS, peerName: 'dhcp-failover' },
        { serverId: idD, peerName: 'fo-b' },
      );
      const body = { kind: 'relationship', sourceServerId: idS, relationshipId: pair };
      const refused = {
        state: 'failed',
        reason:
          `host kiosk (10.82.0.5) cannot be written as the source names it: the destination declares another host ` +
          `kiosk (10.83.0.7) at ${d.includePath} line 14, and dhcpd takes a host name once; rename one of them ` +
          '(nothing of the scope was written)',
      };

      const dry = await replicate(t, { ...body, dryRun: true });
      expect(dry.outcome.scopes?.[`${pair}/10.82.0.0`]).toMatchObject(refused);
      const job = await replicate(t, body);
      expect(job.state).toBe('partially_succeeded');
      expect(job.outcome.scopes?.[`${pair}/10.82.0.0`]).toMatchObject(refused);
      // The job's error says so too, for a pipeline that reads only the job.
      expect(job['error']).toBe(
        `1 of 2 scopes failed (outcome.scopes has each one's reason): 10.82.0.0: ${refused.reason}`,
      );
      expect(job.outcome.scopes?.[`${pair}/10.84.0.0`]?.state).toBe('replaced');
      expect(await d.include()).toBe(destination.replace('10.84.0.254;', '10.84.0.1;'));
      await dhcpdAccepts(d);

      // Refused the same way until the names differ: nothing is renamed behind the caller's back.
      const restarts = (await d.restarts()).length;
      const again = await replicate(t, body);
      expect(again.outcome.scopes?.[`${pair}/10.82.0.0`]).toMatchObject(refused);
      expect(again.outcome.scopes?.[`${pair}/10.84.0.0`]?.state).toBe('unchanged');
      expect((await d.restarts()).length).toBe(restarts);

      // Renamed on the destination, the host arrives with its name, and the next run finds nothing to change.
      await writeFile(d.includePath, (await d.include()).replace('host kiosk', 'host kiosk-83'));
      const renamed = await replicate(t, body);
      expect(renamed.outcome.scopes?.[`${pair}/10.82.0.0`]?.state).toBe('replaced');
      const copy = await t.http.get(`/api/v1/servers/${idD}/scopes/10.82.0.0`).set(auth()).expect(200);
      expect(copy.body.reservations).toEqual([
        { address: '10.82.0.5', hardwareAddress: '0a:00:00:00:82:01', name: 'kiosk', options: [] },
      ]);
      const last = await replicate(t, body);
      expect(last.outcome.scopes?.[`${pair}/10.82.0.0`]?.state).toBe('unchanged');
    });

    /**
     * A subnet 10.<net>.0.0/24 whose pool names `peer`, with these hosts (name, last two octets of the hardware
     * address, last octet of the fixed address) in its block. `edited`: a statement the model keeps as text, so that
     * the write edits the subnet instead of copying its declaration.
     */
    const hostSubnet = (
      net: string,
      peer: string,
      hosts: Array<[name: string, mac: string, octet: string]>,
      edited = false,
    ): string =>
      `subnet 10.${net}.0.0 netmask 255.255.255.0 {\n  option routers 10.${net}.0.1;\n` +
      (edited ? '  ping-check true;\n' : '') +
      `  pool {\n    failover peer "${peer}";\n    range 10.${net}.0.10 10.${net}.0.99;\n  }\n` +
      hosts
        .map(
          ([name, mac, octet]) =>
            `  host ${name} { hardware ethernet 0a:00:00:00:${mac}; fixed-address 10.${net}.0.${octet}; }\n`,
        )
        .join('') +
      '}\n';
    /** A scope's reservations on a server as [name, hardware address, address], by address. */
    const reservationsOf = async (id: string, network: string): Promise<string[][]> => {
      const scope = await t.http.get(`/api/v1/servers/${id}/scopes/${network}`).set(auth()).expect(200);
      return (scope.body.reservations as Array<Record<string, string>>)
        .map((r) => [r.name, r.hardwareAddress, r.address])
        .sort((x, y) => x[2].localeCompare(y[2]));
    };
    const lineOf = (text: string, needle: string): number =>
      text.split('\n').findIndex((line) => line.includes(needle)) + 1;

    it.each([
      ['copied as the source declares it', false, '88'],
      ['edited (a statement kept as text)', true, '89'],
    ])(
      'two hosts of one subnet swapping names take the source names in one run, %s; the next run is unchanged',
      async (_how, edited, net) => {
        const network = `10.${net}.0.0`;
        const sourceText = hostSubnet(
          net,
          'dhcp-failover',
          [
            ['alpha', `${net}:01`, '5'],
            ['beta', `${net}:02`, '6'],
          ],
          edited,
        );
        const s = await isc.files({ main: mainA, include: sourceText });
        const d = await isc.files({
          main: mainB,
          include: hostSubnet(
            net,
            'fo-b',
            [
              ['beta', `${net}:01`, '5'],
              ['alpha', `${net}:02`, '6'],
            ],
            edited,
          ),
        });
        const { idS, idD, pair, dry, job } = await replicatePair(s, d, network, true);
        expect(dry?.outcome.scopes?.[`${pair}/${network}`]?.state).toBe('would-replace');
        expect(job.outcome.scopes?.[`${pair}/${network}`]?.state).toBe('replaced');
        expect(await reservationsOf(idD, network)).toEqual([
          ['alpha', `0a:00:00:00:${net}:01`, `10.${net}.0.5`],
          ['beta', `0a:00:00:00:${net}:02`, `10.${net}.0.6`],
        ]);
        if (!edited) expect(await d.include()).toBe(sourceText.replace('"dhcp-failover"', '"fo-b"'));
        await dhcpdAccepts(d);

        const restarts = (await d.restarts()).length;
        const again = await replicate(t, {
          kind: 'scope',
          sourceServerId: idS,
          relationshipId: pair,
          network,
        });
        expect(again.outcome.scopes?.[`${pair}/${network}`]?.state).toBe('unchanged');
        expect((await d.restarts()).length).toBe(restarts);
      },
    );

    it.each([
      ['copied as the source declares them', false, ['90', '91', '92', '93']],
      ['edited (a statement kept as text)', true, ['94', '95', '96', '97']],
    ])(
      'host names moving between subnets of one relationship write arrive in one run, %s; a write without the subnet they leave is still refused',
      async (_how, edited, [n1, n2, n3, n4]) => {
        const mac = (net: string): string => `${net}:01`;
        // "mover" went from the first subnet to the second; "east" and "west" swapped subnets (hosts keep their
        // hardware addresses, the names moved).
        const s = await isc.files({
          main: mainA,
          include:
            hostSubnet(n1, 'dhcp-failover', [], edited) +
            hostSubnet(n2, 'dhcp-failover', [['mover', mac(n2), '5']], edited) +
            hostSubnet(n3, 'dhcp-failover', [['east', mac(n3), '5']], edited) +
            hostSubnet(n4, 'dhcp-failover', [['west', mac(n4), '5']], edited),
        });
        const destination =
          hostSubnet(n1, 'fo-b', [['mover', mac(n1), '5']], edited) +
          hostSubnet(n2, 'fo-b', [], edited) +
          hostSubnet(n3, 'fo-b', [['west', mac(n3), '5']], edited) +
          hostSubnet(n4, 'fo-b', [['east', mac(n4), '5']], edited);
        const d = await isc.files({ main: mainB, include: destination });
        const [idS, idD] = [await isc.register(s), await isc.register(d)];
        const pair = await isc.relationship(
          { serverId: idS, peerName: 'dhcp-failover' },
          { serverId: idD, peerName: 'fo-b' },
        );
        const key = (net: string): string => `${pair}/10.${net}.0.0`;

        // The second subnet alone: the first keeps its mover, so the name is still taken.
        const restarts = (await d.restarts()).length;
        const alone = await replicate(t, {
          kind: 'scope',
          sourceServerId: idS,
          relationshipId: pair,
          network: `10.${n2}.0.0`,
        });
        expect(alone.outcome.scopes?.[key(n2)]).toMatchObject({
          state: 'failed',
          reason:
            `host mover (10.${n2}.0.5) cannot be written as the source names it: the destination declares another ` +
            `host mover (10.${n1}.0.5) at ${d.includePath} line ${lineOf(destination, 'host mover')}, and dhcpd ` +
            'takes a host name once; rename one of them (nothing of the scope was written)',
        });
        expect(await d.include()).toBe(destination);
        expect((await d.restarts()).length).toBe(restarts);

        // Both subnets in one write: the first's mover goes as the second's arrives.
        const body = { kind: 'relationship', sourceServerId: idS, relationshipId: pair };
        const dry = await replicate(t, { ...body, dryRun: true });
        for (const net of [n1, n2, n3, n4])
          expect(dry.outcome.scopes?.[key(net)]?.state).toBe('would-replace');
        const job = await replicate(t, body);
        expect(job.state).toBe('succeeded');
        for (const net of [n1, n2, n3, n4]) expect(job.outcome.scopes?.[key(net)]?.state).toBe('replaced');
        expect((await d.restarts()).length).toBe(restarts + 1);
        expect(await reservationsOf(idD, `10.${n1}.0.0`)).toEqual([]);
        expect(await reservationsOf(idD, `10.${n2}.0.0`)).toEqual([
          ['mover', `0a:00:00:00:${mac(n2)}`, `10.${n2}.0.5`],
        ]);
        expect(await reservationsOf(idD, `10.${n3}.0.0`)).toEqual([
          ['east', `0a:00:00:00:${mac(n3)}`, `10.${n3}.0.5`],
        ]);
        expect(await reservationsOf(idD, `10.${n4}.0.0`)).toEqual([
          ['west', `0a:00:00:00:${mac(n4)}`, `10.${n4}.0.5`],
        ]);
        await dhcpdAccepts(d);

        const again = await replicate(t, body);
        for (const net of [n1, n2, n3, n4]) expect(again.outcome.scopes?.[key(net)]?.state).toBe('unchanged');
        expect((await d.restarts()).length).toBe(restarts + 1);
      },
    );

    it('a host name held by a host the write leaves in place is refused, also when that host is in a subnet refused itself', async () => {
      // The first subnet brings "gate", which a global host of B has; refused, it keeps its "relay", which the
      // second subnet brings: that one is refused too. The third is written.
      const s = await isc.files({
        main: mainA,
        include:
          hostSubnet('71', 'dhcp-failover', [['gate', '71:01', '5']]) +
          hostSubnet('72', 'dhcp-failover', [['relay', '72:01', '5']]) +
          hostSubnet('73', 'dhcp-failover', [['desk', '73:01', '5']]),
      });
      const destination =
        hostSubnet('71', 'fo-b', [['relay', '71:01', '5']]) +
        hostSubnet('72', 'fo-b', []) +
        hostSubnet('73', 'fo-b', []) +
        'host gate { hardware ethernet 0a:00:00:00:74:01; }\n';
      const d = await isc.files({ main: mainB, include: destination });
      const [idS, idD] = [await isc.register(s), await isc.register(d)];
      const pair = await isc.relationship(
        { serverId: idS, peerName: 'dhcp-failover' },
        { serverId: idD, peerName: 'fo-b' },
      );
      const body = { kind: 'relationship', sourceServerId: idS, relationshipId: pair };
      const reason = (name: string, address: string, other: string, now: string): string =>
        `host ${name} (${address}) cannot be written as the source names it: the destination declares another ` +
        `host ${name}${other} at ${d.includePath} line ${lineOf(now, `host ${name}`)}, and dhcpd takes a ` +
        'host name once; rename one of them (nothing of the scope was written)';

      for (const run of [1, 2]) {
        const now = await d.include();
        const job = await replicate(t, body);
        expect(job.state).toBe('partially_succeeded');
        expect(job.outcome.scopes?.[`${pair}/10.71.0.0`]).toMatchObject({
          state: 'failed',
          reason: reason('gate', '10.71.0.5', '', now),
        });
        expect(job.outcome.scopes?.[`${pair}/10.72.0.0`]).toMatchObject({
          state: 'failed',
          reason: reason('relay', '10.72.0.5', ' (10.71.0.5)', now),
        });
        expect(job.outcome.scopes?.[`${pair}/10.73.0.0`]?.state).toBe(run === 1 ? 'replaced' : 'unchanged');
      }
      expect(await reservationsOf(idD, '10.71.0.0')).toEqual([['relay', '0a:00:00:00:71:01', '10.71.0.5']]);
      expect(await reservationsOf(idD, '10.73.0.0')).toEqual([['desk', '0a:00:00:00:73:01', '10.73.0.5']]);
      await dhcpdAccepts(d);
    });

    it('adding a scope whose host name another partner host has is a 422 naming both; nothing is written', async () => {
      const s = await isc.files({
        main: mainA,
        include:
          'subnet 10.86.0.0 netmask 255.255.255.0 {\n  pool {\n    failover peer "dhcp-failover";\n' +
          '    range 10.86.0.10 10.86.0.99;\n  }\n  host nas { fixed-address 10.86.0.5; }\n}\n',
      });
      const d = await isc.files({
        main: mainB,
        include:
          'subnet 10.87.0.0 netmask 255.255.255.0 {\n  pool {\n    failover peer "fo-b";\n' +
          '    range 10.87.0.10 10.87.0.99;\n  }\n  host nas { fixed-address 10.87.0.5; }\n}\n',
      });
      const [idS, idD] = [await isc.register(s), await isc.register(d)];
      const pair = await isc.relationship(
        { serverId: idS, peerName: 'dhcp-failover' },
        { serverId: idD, peerName: 'fo-b' },
      );
      const [main, include, restarts] = [await d.main(), await d.include(), await d.restarts()];
      const response = await t.http
        .post(`/api/v1/relationships/${pair}/scopes`)
        .set(auth())
        .send({ sourceServerId: idS, network: '10.86.0.0' })
        .expect(422)
        .expect('Content-Type', /application\/problem\+json/);
      expect(response.body.detail).toContain(
        'host nas (10.86.0.5) cannot be written as the source names it: the destination declares another host ' +
          `nas (10.87.0.5) at ${d.includePath} line 6, and dhcpd takes a host name once; rename one of them`,
      );
      expect([await d.main(), await d.include(), await d.restarts()]).toEqual([main, include, restarts]);
    });

    it("a source subnet that inherits its lease time takes the destination's own away, and the next run is unchanged", async () => {
      // ping-check is kept as text: the subnet is written by the edit, not copied as the source declares it.
      const subnet = (lease: string, peer: string): string =>
        `subnet 10.81.0.0 netmask 255.255.255.0 {\n  option routers 10.81.0.1;\n${lease}  ping-check true;\n` +
        `  pool {\n    failover peer "${peer}";\n    range 10.81.0.10 10.81.0.20;\n  }\n}\n`;
      const s = await isc.files({ main: mainA, include: subnet('', 'dhcp-failover') });
      const d = await isc.files({ main: mainB, include: subnet('  default-lease-time 600;\n', 'fo-b') });
      const { idS, idD, pair, job } = await replicatePair(s, d, '10.81.0.0');
      expect(job.outcome.scopes?.[`${pair}/10.81.0.0`]?.state).toBe('replaced');
      expect(await d.include()).not.toContain('default-lease-time');
      const copy = await t.http.get(`/api/v1/servers/${idD}/scopes/10.81.0.0`).set(auth()).expect(200);
      expect(copy.body.leaseTime).toBeUndefined();
      await dhcpdAccepts(d);
      const again = await replicate(t, {
        kind: 'scope',
        sourceServerId: idS,
        relationshipId: pair,
        network: '10.81.0.0',
      });
      expect(again.outcome.scopes?.[`${pair}/10.81.0.0`]?.state).toBe('unchanged');
    });

    it('disable closes the pools, a replication opens them again; delete removes the subnet', async () => {
      await t.http
        .delete(`/api/v1/relationships/${rel}/scopes/10.30.0.0?serverId=${idB}&copy=disable`)
        .set(auth())
        .expect(200);
      expect(await b.include()).toMatch(
        /failover peer "fo-b";\n\s+deny all clients;\n\s+range 10\.30\.0\.100/,
      );
      await dhcpdAccepts(b);
      const disabled = await t.http.get(`/api/v1/servers/${idB}/scopes/10.30.0.0`).set(auth()).expect(200);
      expect(disabled.body).toMatchObject({ enabled: false });
      expect(disabled.body.vendorExtras?.poolStatements).toBeUndefined();

      const job = await replicate(t, scopeBody({ network: '10.30.0.0' }));
      expect(outcomeOf(job, '10.30.0.0')?.state).toBe('replaced');
      expect(await b.include()).not.toContain('deny all clients');

      const include = await b.include();
      await t.http
        .delete(`/api/v1/relationships/${rel}/scopes/10.21.0.0?serverId=${idB}`)
        .set(auth())
        .expect(200);
      await t.http.get(`/api/v1/servers/${idB}/scopes/10.21.0.0`).set(auth()).expect(404);
      expect(lineChanges(include, await b.include()).added).toEqual([]);
      await dhcpdAccepts(b);

      // The last pools naming a peer cannot go: dhcpd refuses a peer no pool names.
      const solo = await isc.files({
        main: (path) => `${PEER_A}\n\ninclude "${path}";\n`,
        include:
          'subnet 10.70.0.0 netmask 255.255.255.0 {\n  pool {\n    failover peer "dhcp-failover";\n    range 10.70.0.10 10.70.0.20;\n  }\n}\n',
      });
      const idSolo = await isc.register(solo, 'local');
      // The partner has its copy (a scope goes out of a relationship only while the other server keeps one).
      const soloPartner = await isc.files({
        main: (path) => `include "${path}";\n`,
        include: 'subnet 10.70.0.0 netmask 255.255.255.0 {\n  range 10.70.0.10 10.70.0.20;\n}\n',
      });
      const relSolo = await isc.relationship(
        { serverId: idSolo, peerName: 'dhcp-failover' },
        { serverId: await isc.register(soloPartner, 'local'), peerName: 'none' },
      );
      const soloText = await solo.include();
      const refused = await t.http
        .delete(`/api/v1/relationships/${relSolo}/scopes/10.70.0.0?serverId=${idSolo}`)
        .set(auth())
        .expect(409);
      expect(refused.body.detail).toContain('the last pools');
      expect(refused.body.detail).toContain('"dhcp-failover"');
      expect(await solo.include()).toBe(soloText);
    });

    it('an edit made on the server during a replication is not overwritten: the write is redone on a fresh read', async () => {
      // B lost 10.21.0.0 above, so this replication writes.
      const [main, restarts] = [await b.main(), (await b.restarts()).length];
      await b.editDuringNextCheck('# edited by hand during a replication\n');
      const job = await replicate(t, { kind: 'relationship', sourceServerId: idA, relationshipId: rel });
      expect(job).toMatchObject({ state: 'succeeded' });
      expect(outcomeOf(job, '10.21.0.0')?.state).toBe('replaced');
      await t.http.get(`/api/v1/servers/${idB}/scopes/10.21.0.0`).set(auth()).expect(200);
      expect(await b.main()).toBe(`${main}# edited by hand during a replication\n`);
      // The first try wrote nothing; the second landed.
      expect((await b.restarts()).length).toBe(restarts + 1);
      await dhcpdAccepts(b);
    });
  });
});
