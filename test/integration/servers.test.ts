import { generateKeyPairSync, randomBytes } from 'node:crypto';
import ssh2 from 'ssh2';
import { DataSource } from 'typeorm';
import { SecretBox } from '../../src/common/crypto/secret-box.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';
import { keaServerBody, saveRelationshipRecord, uniqueName } from '../support/fixtures.js';
import { makeTestCertificates } from '../support/kea/test-certificates.js';

const FINGERPRINT = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';
const PRIVATE_KEY = ssh2.utils.generateKeyPairSync('ed25519').private;

describe('server registry', () => {
  let t: TestApp;
  let auth: { Authorization: string };
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
    auth = bearer(t.adminKey);
  });
  afterAll(() => t.close());

  const rowOf = async (id: string): Promise<Record<string, unknown>> =>
    (
      await t.app
        .get(DataSource)
        .query<Array<Record<string, unknown>>>('SELECT * FROM servers WHERE id = $1', [id])
    )[0];

  it('registers each vendor; secrets are sealed at rest and never returned', async () => {
    const bodies = [
      keaServerBody(),
      {
        name: uniqueName('isc'),
        vendor: 'isc',
        address: 'dhcp2.example.net',
        connection: {
          transport: 'ssh',
          host: '127.0.0.1',
          port: 2222,
          username: 'dhcpadmin',
          privateKey: PRIVATE_KEY,
          hostKeyFingerprint: FINGERPRINT,
          configPath: '/etc/dhcp/dhcpd.conf',
          restartCommand: 'systemctl restart isc-dhcp-server',
        },
      },
      {
        name: uniqueName('isc-local'),
        vendor: 'isc',
        address: '127.0.0.1',
        connection: { transport: 'local', configPath: '/etc/dhcp/dhcpd.conf' },
      },
      {
        name: uniqueName('win'),
        vendor: 'windows',
        address: '127.0.0.5',
        connection: {
          host: '127.0.0.5',
          username: 'CORP\\dhcp-svc',
          password: 'win-secret-password',
          hostKeyFingerprint: FINGERPRINT,
        },
      },
    ];
    for (const body of bodies) {
      const created = await t.http.post('/api/v1/servers').set(auth).send(body).expect(201);
      const text = JSON.stringify(created.body);
      for (const secret of ['kea-secret-password', 'win-secret-password', 'OPENSSH PRIVATE KEY']) {
        expect(text).not.toContain(secret);
      }
      const read = await t.http.get(`/api/v1/servers/${created.body.id}`).set(auth).expect(200);
      expect(read.body).toEqual(created.body);
      const row = await rowOf(created.body.id);
      expect(JSON.stringify(row)).not.toMatch(/secret-password|OPENSSH PRIVATE KEY/);
      expect(row['sealed_secrets'] === null).toBe(read.body.secretsSet.length === 0);
    }
    const kea = await t.http.get(`/api/v1/servers?vendor=kea&limit=200`).set(auth).expect(200);
    expect(kea.body.items.every((s: { vendor: string }) => s.vendor === 'kea')).toBe(true);
    expect(kea.body.items[0].secretsSet).toEqual(['password']);
    expect(kea.body.items[0].connection).toEqual({ url: 'http://127.0.0.1:9/', username: 'kea-api' });
  });

  it('rejects bad input with field errors and writes nothing', async () => {
    const before = await t.app.get(DataSource).query('SELECT count(*)::int AS n FROM servers');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...keaServerBody(), vendor: 'dhcpd' }, 'vendor'],
      [{ ...keaServerBody(), address: 'not an address!' }, 'address'],
      // A mistyped IPv4 address is no host name either.
      [{ ...keaServerBody(), address: '10.0.0.256' }, 'address'],
      [{ ...keaServerBody(), unknown: 1 }, 'unknown'],
      [{ ...keaServerBody(), name: 'x'.repeat(101) }, 'name'],
      [keaServerBody({ connection: { url: 'ftp://127.0.0.1/' } }), 'connection.url'],
      [keaServerBody({ connection: { url: 'http://api:s3cret@127.0.0.1:8000/' } }), 'connection.url'],
      [keaServerBody({ connection: { url: 'http://127.0.0.1:8000/', bogus: true } }), 'connection.bogus'],
      [
        keaServerBody({ connection: { url: 'http://127.0.0.1:8000/', password: 'p' } }),
        'connection.username',
      ],
      [
        {
          name: uniqueName('i'),
          vendor: 'isc',
          address: '127.0.0.1',
          connection: { transport: 'ssh', configPath: '/etc/dhcp/dhcpd.conf' },
        },
        'connection.username',
      ],
      [
        {
          name: uniqueName('i'),
          vendor: 'isc',
          address: '127.0.0.1',
          connection: { transport: 'local', configPath: 'relative.conf' },
        },
        'connection.configPath',
      ],
      [
        {
          name: uniqueName('w'),
          vendor: 'windows',
          address: '127.0.0.1',
          connection: { host: '127.0.0.1', username: 'u', password: 'p', hostKeyFingerprint: 'md5:aa' },
        },
        'connection.hostKeyFingerprint',
      ],
      [
        {
          name: uniqueName('w'),
          vendor: 'windows',
          address: '127.0.0.1',
          connection: {
            host: '192.168.1.300',
            username: 'u',
            password: 'p',
            hostKeyFingerprint: FINGERPRINT,
          },
        },
        'connection.host',
      ],
    ];
    for (const [body, field] of cases) {
      const response = await t.http.post('/api/v1/servers').set(auth).send(body).expect(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.type).toBe('urn:dfm:problem:validation');
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const after = await t.app.get(DataSource).query('SELECT count(*)::int AS n FROM servers');
    expect(after).toEqual(before);
  });

  it('PATCH merges connection settings, keeps unsent secrets, clears null ones, and honours If-Match', async () => {
    const created = await t.http.post('/api/v1/servers').set(auth).send(keaServerBody()).expect(201);
    const id = created.body.id as string;
    expect(created.headers['etag']).toBe('"1"');
    const sealedBefore = (await rowOf(id))['sealed_secrets'];

    const moved = await t.http
      .patch(`/api/v1/servers/${id}`)
      .set(auth)
      .set('If-Match', '"1"')
      .send({ connection: { url: 'https://127.0.0.2:8443/' } })
      .expect(200);
    expect(moved.headers['etag']).toBe('"2"');
    expect(moved.body.connection).toEqual({ url: 'https://127.0.0.2:8443/', username: 'kea-api' });
    expect(moved.body.secretsSet).toEqual(['password']);
    expect((await rowOf(id))['sealed_secrets']).not.toBe(sealedBefore); // re-sealed, same secret

    const stale = await t.http
      .patch(`/api/v1/servers/${id}`)
      .set(auth)
      .set('If-Match', '"1"')
      .send({ description: 'x' })
      .expect(412);
    expect(stale.body.type).toBe('urn:dfm:problem:precondition-failed');

    // Clearing the password alone would leave a username without one: allowed (basic auth is optional).
    const cleared = await t.http
      .patch(`/api/v1/servers/${id}`)
      .set(auth)
      .send({ connection: { password: null } })
      .expect(200);
    expect(cleared.body.secretsSet).toEqual([]);
    expect((await rowOf(id))['sealed_secrets']).toBeNull();

    // Credentials inside the URL would be stored and returned in the clear.
    const inUrl = await t.http
      .patch(`/api/v1/servers/${id}`)
      .set(auth)
      .send({ connection: { url: 'http://kea-api:s3cret@127.0.0.2:8000/' } })
      .expect(400);
    expect(inUrl.body.errors).toEqual([
      {
        field: 'connection.url',
        message: 'url must not carry credentials (user:password@); send them as username and password',
      },
    ]);
    const read = await t.http.get(`/api/v1/servers/${id}`).set(auth).expect(200);
    expect(read.body.connection.url).toBe('https://127.0.0.2:8443/');
    expect(JSON.stringify(read.body)).not.toContain('s3cret');

    const vendorChange = await t.http
      .patch(`/api/v1/servers/${id}`)
      .set(auth)
      .send({ vendor: 'isc' })
      .expect(400);
    expect(vendorChange.body.errors[0].field).toBe('vendor');
  });

  it('PATCH refuses null for a connection field the vendor has not (a mistyped secret) and a null connection', async () => {
    const created = await t.http.post('/api/v1/servers').set(auth).send(keaServerBody()).expect(201);
    const id = created.body.id as string;
    const mistyped = await t.http
      .patch(`/api/v1/servers/${id}`)
      .set(auth)
      .send({ connection: { pasword: null } })
      .expect(400);
    expect(mistyped.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(mistyped.body.errors).toEqual([
      { field: 'connection.pasword', message: 'unknown field "connection.pasword"; remove it' },
    ]);
    const nullConnection = await t.http
      .patch(`/api/v1/servers/${id}`)
      .set(auth)
      .send({ connection: null })
      .expect(400);
    expect(nullConnection.body.errors).toContainEqual({
      field: 'connection',
      message: 'connection cannot be null; leave it out to keep the current value',
    });
    const read = await t.http.get(`/api/v1/servers/${id}`).set(auth).expect(200);
    expect(read.headers['etag']).toBe('"1"');
    expect(read.body.secretsSet).toEqual(['password']);
    const events = await t.http
      .get(`/api/v1/audit-events?targetId=${id}&action=server.updated`)
      .set(auth)
      .expect(200);
    expect(events.body.items).toEqual([]);
  });

  it('refuses a private key SSH cannot use (PKCS#8, encrypted without or with a wrong passphrase), on POST and PATCH', async () => {
    const encrypted = ssh2.utils.generateKeyPairSync('ed25519', {
      passphrase: 'right',
      cipher: 'aes256-cbc',
      rounds: 16,
    }).private;
    // What `openssl genpkey` writes: matches the PEM shape, but ssh2 cannot read PKCS#8.
    const pkcs8 = generateKeyPairSync('ed25519').privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    const windows = (connection: Record<string, unknown>): Record<string, unknown> => ({
      name: uniqueName('w'),
      vendor: 'windows',
      address: '127.0.0.1',
      connection: { host: '127.0.0.1', username: 'u', hostKeyFingerprint: FINGERPRINT, ...connection },
    });
    const before = await t.app.get(DataSource).query('SELECT count(*)::int AS n FROM servers');
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [windows({ privateKey: pkcs8 }), 'connection.privateKey', /^privateKey cannot be used for SSH \(.+\)/],
      [
        windows({ privateKey: encrypted }),
        'connection.privateKeyPassphrase',
        /give its privateKeyPassphrase/,
      ],
      [
        windows({ privateKey: encrypted, privateKeyPassphrase: 'wrong' }),
        'connection.privateKeyPassphrase',
        /does not open the privateKey/,
      ],
    ];
    for (const [body, field, message] of cases) {
      const response = await t.http.post('/api/v1/servers').set(auth).send(body).expect(400);
      expect(response.body.errors).toEqual([{ field, message: expect.stringMatching(message) }]);
      expect(JSON.stringify(response.body)).not.toMatch(/PRIVATE KEY|wrong/);
    }
    expect(await t.app.get(DataSource).query('SELECT count(*)::int AS n FROM servers')).toEqual(before);

    const created = await t.http
      .post('/api/v1/servers')
      .set(auth)
      .send(windows({ privateKey: encrypted, privateKeyPassphrase: 'right' }))
      .expect(201);
    const id = created.body.id as string;
    // The held key is checked against a new passphrase, and a new key against the held passphrase.
    await t.http
      .patch(`/api/v1/servers/${id}`)
      .set(auth)
      .send({ connection: { privateKeyPassphrase: 'wrong' } })
      .expect(400);
    await t.http
      .patch(`/api/v1/servers/${id}`)
      .set(auth)
      .send({ connection: { privateKey: pkcs8 } })
      .expect(400);
    const read = await t.http.get(`/api/v1/servers/${id}`).set(auth).expect(200);
    expect(read.headers['etag']).toBe('"1"');
    await t.http
      .patch(`/api/v1/servers/${id}`)
      .set(auth)
      .send({ connection: { privateKey: PRIVATE_KEY, privateKeyPassphrase: null } })
      .expect(200);
  });

  it("refuses Kea TLS material that does not parse, or a client key that is not the certificate's", async () => {
    const certs = makeTestCertificates('127.0.0.1');
    const garbage = (label: string): string => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`;
    const kea = (connection: Record<string, unknown>): Record<string, unknown> =>
      keaServerBody({ connection: { url: 'https://127.0.0.1:8000/', ...connection } });
    const before = await t.app.get(DataSource).query('SELECT count(*)::int AS n FROM servers');
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [
        kea({ caCert: garbage('CERTIFICATE') }),
        'connection.caCert',
        /^caCert is not a readable PEM certificate/,
      ],
      [kea({ caCert: garbage('PUBLIC KEY') }), 'connection.caCert', /no BEGIN CERTIFICATE block/],
      [
        kea({ clientCert: garbage('CERTIFICATE'), clientKey: certs.client.key }),
        'connection.clientCert',
        /^clientCert is not a readable PEM certificate/,
      ],
      [
        kea({ clientCert: certs.client.cert, clientKey: garbage('PRIVATE KEY') }),
        'connection.clientKey',
        /^clientKey is not a readable, unencrypted PEM private key/,
      ],
      [
        kea({ clientCert: certs.client.cert, clientKey: certs.agent.key }),
        'connection.clientKey',
        /^clientKey is not the private key of clientCert$/,
      ],
    ];
    for (const [body, field, message] of cases) {
      const response = await t.http.post('/api/v1/servers').set(auth).send(body).expect(400);
      expect(response.body.errors).toEqual([{ field, message: expect.stringMatching(message) }]);
      expect(JSON.stringify(response.body)).not.toContain('PRIVATE KEY');
    }
    expect(await t.app.get(DataSource).query('SELECT count(*)::int AS n FROM servers')).toEqual(before);

    // A CA bundle (several certificates) and a matching pair are taken; PATCH checks a new key against the held one.
    const created = await t.http
      .post('/api/v1/servers')
      .set(auth)
      .send(kea({ caCert: certs.ca + certs.ca, clientCert: certs.client.cert, clientKey: certs.client.key }))
      .expect(201);
    await t.http
      .patch(`/api/v1/servers/${created.body.id}`)
      .set(auth)
      .send({ connection: { clientKey: certs.agent.key } })
      .expect(400);
    const read = await t.http.get(`/api/v1/servers/${created.body.id}`).set(auth).expect(200);
    expect(read.headers['etag']).toBe('"1"');
  });

  it('credentials sealed under another ENCRYPTION_KEY are a 409 saying so, and sending them again recovers', async () => {
    const created = await t.http.post('/api/v1/servers').set(auth).send(keaServerBody()).expect(201);
    const id = created.body.id as string;
    // As after a restart with another key: the blob is sound, this service's key does not open it.
    const foreign = new SecretBox(randomBytes(32)).seal('{"password":"old"}', `server:${id}`);
    await t.app.get(DataSource).query('UPDATE servers SET sealed_secrets = $1 WHERE id = $2', [foreign, id]);
    const refusals = [
      await t.http.post(`/api/v1/servers/${id}/connection-test`).set(auth),
      await t.http
        .patch(`/api/v1/servers/${id}`)
        .set(auth)
        .send({ connection: { timeoutMs: 1000 } }),
    ];
    for (const refused of refusals) {
      expect(refused.status).toBe(409);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.body.detail).toContain(
        `server ${id} cannot be decrypted with this service's ENCRYPTION_KEY`,
      );
    }
    expect((await rowOf(id))['sealed_secrets']).toBe(foreign);
    const resent = await t.http
      .patch(`/api/v1/servers/${id}`)
      .set(auth)
      .send({ connection: { password: 'new-password' } })
      .expect(200);
    expect(resent.body.secretsSet).toEqual(['password']);
    const tested = await t.http.post(`/api/v1/servers/${id}/connection-test`).set(auth).expect(200);
    expect(tested.body).toMatchObject({ ok: false, error: { code: 'unreachable' } });
  });

  it('a server in a failover relationship cannot be unregistered: 409 naming it, and nothing changes', async () => {
    const first = await t.http.post('/api/v1/servers').set(auth).send(keaServerBody()).expect(201);
    const second = await t.http.post('/api/v1/servers').set(auth).send(keaServerBody()).expect(201);
    const name = uniqueName('pair');
    const relationship = await saveRelationshipRecord(t, [first.body.id, second.body.id], name);
    const refused = await t.http.delete(`/api/v1/servers/${first.body.id}`).set(auth).expect(409);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.detail).toContain(`"${name}"`);
    // What to do, with what a pipeline needs to do it: the relationship's id and the call that removes it.
    expect(refused.body.detail).toContain(`DELETE /api/v1/relationships/${relationship.id}`);
    expect(refused.body.relationshipId).toBe(relationship.id);
    await t.http.get(`/api/v1/servers/${first.body.id}`).set(auth).expect(200);
  });

  it('PATCH of an ISC server from ssh to local says how to drop the SSH settings, and then drops them', async () => {
    const created = await t.http
      .post('/api/v1/servers')
      .set(auth)
      .send({
        name: uniqueName('isc'),
        vendor: 'isc',
        address: '127.0.0.1',
        connection: {
          transport: 'ssh',
          host: '127.0.0.1',
          username: 'dhcpadmin',
          password: 'ssh-secret',
          hostKeyFingerprint: FINGERPRINT,
          configPath: '/etc/dhcp/dhcpd.conf',
        },
      })
      .expect(201);
    const id = created.body.id as string;
    const refused = await t.http
      .patch(`/api/v1/servers/${id}`)
      .set(auth)
      .send({ connection: { transport: 'local' } })
      .expect(400);
    expect(refused.body.errors).toContainEqual({
      field: 'connection.password',
      message: 'password is for transport ssh; remove it for local (in a PATCH, send "password": null)',
    });
    expect(refused.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'connection.host',
      'connection.hostKeyFingerprint',
      'connection.password',
      'connection.username',
    ]);
    const local = await t.http
      .patch(`/api/v1/servers/${id}`)
      .set(auth)
      .send({
        connection: {
          transport: 'local',
          host: null,
          username: null,
          password: null,
          hostKeyFingerprint: null,
        },
      })
      .expect(200);
    expect(local.body.connection).toEqual({ transport: 'local', configPath: '/etc/dhcp/dhcpd.conf' });
    expect(local.body.secretsSet).toEqual([]);
    expect((await rowOf(id))['sealed_secrets']).toBeNull();
  });

  it('null in a registration is no value: not a password "null", nor a required SSH setting', async () => {
    const kea = await t.http
      .post('/api/v1/servers')
      .set(auth)
      .send(keaServerBody({ connection: { url: 'http://127.0.0.1:9/', username: 'u', password: null } }))
      .expect(201);
    expect(kea.body.secretsSet).toEqual([]);
    expect((await rowOf(kea.body.id))['sealed_secrets']).toBeNull();
    const windows = await t.http
      .post('/api/v1/servers')
      .set(auth)
      .send({
        name: uniqueName('w'),
        vendor: 'windows',
        address: '127.0.0.1',
        connection: { host: '127.0.0.1', username: null, password: 'p', hostKeyFingerprint: null },
      })
      .expect(400);
    expect(windows.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'connection.hostKeyFingerprint',
      'connection.username',
    ]);
  });

  it('names are unique, unknown ids are 404, bad ids are 400, and changes are audited', async () => {
    const body = keaServerBody();
    const created = await t.http.post('/api/v1/servers').set(auth).send(body).expect(201);
    const duplicate = await t.http
      .post('/api/v1/servers')
      .set(auth)
      .send({ ...keaServerBody(), name: body['name'] })
      .expect(409);
    expect(duplicate.body.type).toBe('urn:dfm:problem:conflict');
    await t.http.get('/api/v1/servers/00000000-0000-4000-8000-00000000dead').set(auth).expect(404);
    const bad = await t.http.get('/api/v1/servers/not-a-uuid').set(auth).expect(400);
    expect(bad.body.errors).toEqual([{ field: 'path.id', message: 'id must be a UUID' }]);

    // A grant on the server goes with it, and the audit trail says so.
    const principal = await t.http
      .post('/api/v1/principals')
      .set(auth)
      .send({ name: uniqueName('operator'), kind: 'user' })
      .expect(201);
    const grant = await t.http
      .post('/api/v1/grants')
      .set(auth)
      .send({
        principalId: principal.body.id,
        permissions: ['add-scope'],
        resource: { type: 'server', serverId: created.body.id },
      })
      .expect(201);
    await t.http.delete(`/api/v1/servers/${created.body.id}`).set(auth).expect(204);
    await t.http.get(`/api/v1/servers/${created.body.id}`).set(auth).expect(404);
    await t.http.get(`/api/v1/grants/${grant.body.id}`).set(auth).expect(404);
    const grantEvents = await t.http
      .get(`/api/v1/audit-events?targetId=${grant.body.id}`)
      .set(auth)
      .expect(200);
    expect(grantEvents.body.items.map((e: { action: string }) => e.action)).toEqual([
      'grant.deleted',
      'grant.created',
    ]);
    expect(grantEvents.body.items[0].details).toMatchObject({
      principalId: principal.body.id,
      permissions: ['add-scope'],
      reason: expect.stringContaining('was unregistered'),
    });
    const audit: Array<{ action: string; details: Record<string, unknown> }> = await t.app
      .get(DataSource)
      .query('SELECT action, details FROM audit_events WHERE target_id = $1 ORDER BY at', [created.body.id]);
    expect(audit.map((a) => a.action)).toEqual(['server.registered', 'server.unregistered']);
    const listed = await t.http
      .get(`/api/v1/audit-events?targetType=server&targetId=${created.body.id}`)
      .set(auth)
      .expect(200);
    expect(listed.body.items.map((e: { action: string }) => e.action)).toEqual([
      'server.unregistered',
      'server.registered',
    ]);
    expect(listed.body.items[0]).toMatchObject({
      targetType: 'server',
      correlationId: expect.any(String),
      details: { grantsRemoved: [grant.body.id] },
    });
    expect(JSON.stringify(audit)).not.toContain('kea-secret-password');

    // A window ending just after an event lists it: PostgreSQL keeps microseconds, the API shows milliseconds.
    await t.app
      .get(DataSource)
      .query(
        `UPDATE audit_events SET at = '2026-11-01T10:00:00.687660Z' WHERE target_id = $1 AND action = $2`,
        [created.body.id, 'server.registered'],
      );
    const windowed = await t.http
      .get(
        `/api/v1/audit-events?targetId=${created.body.id}&since=2026-11-01T00:00:00Z&until=2026-11-01T10:00:00.688Z`,
      )
      .set(auth)
      .expect(200);
    expect(windowed.body.items.map((e: { action: string }) => e.action)).toEqual(['server.registered']);
  });

  it('a connection test of a Windows server whose SSH does not answer is ok: false, unreachable', async () => {
    const body = {
      name: uniqueName('windows'),
      vendor: 'windows',
      address: '127.0.0.1',
      connection: {
        host: '127.0.0.1',
        // Nothing listens on the discard port of loopback.
        port: 9,
        username: 'Administrator',
        password: 'windows-secret',
        hostKeyFingerprint: FINGERPRINT,
      },
    };
    const created = await t.http.post('/api/v1/servers').set(auth).send(body).expect(201);
    const response = await t.http
      .post(`/api/v1/servers/${created.body.id}/connection-test`)
      .set(auth)
      .expect(200);
    expect(response.body).toMatchObject({ ok: false, error: { code: 'unreachable' } });
    expect(response.body.error.message).toContain('ssh Administrator@127.0.0.1:9');
    // The cause is said once, without "Error: " before it; it was "...host (Error: connect ECONNREFUSED
    // 127.0.0.1:9): Error: connect ECONNREFUSED 127.0.0.1:9".
    const message = response.body.error.message as string;
    expect(message).toMatch(/cannot reach the host \(connect ECONNREFUSED 127\.0\.0\.1:9\)$/);
    expect(message.split('ECONNREFUSED')).toHaveLength(2);
    expect(JSON.stringify(response.body)).not.toContain('windows-secret');
  });

  it('a connection test of a server that does not answer is ok: false with the reason, not an error', async () => {
    // Nothing listens on the discard port of loopback.
    const body = keaServerBody({ connection: { url: 'http://127.0.0.1:9/', timeoutMs: 2000 } });
    const created = await t.http.post('/api/v1/servers').set(auth).send(body).expect(201);
    const response = await t.http
      .post(`/api/v1/servers/${created.body.id}/connection-test`)
      .set(auth)
      .expect(200);
    expect(response.body).toMatchObject({ ok: false, error: { code: 'unreachable' } });
    expect(response.body.error.message).toContain('http://127.0.0.1:9/');
  });
});
