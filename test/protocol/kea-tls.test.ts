import { configDigest } from '../../src/vendors/kea/kea-config-update.js';
import { uniqueName } from '../support/fixtures.js';
import { type KeaServer, nextLoopbackAddress, startKeaServer } from '../support/kea/kea-server.js';
import { makeTestCertificates } from '../support/kea/test-certificates.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

describe('Kea Control Agent over TLS (trust anchor, server verification, mutual TLS)', () => {
  let t: TestApp;
  const servers: KeaServer[] = [];

  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await t.close();
  });

  async function connectionTest(
    server: KeaServer,
    connection: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const registered = await t.http
      .post('/api/v1/servers')
      .set(bearer(t.adminKey))
      .send({
        name: uniqueName('tls'),
        vendor: 'kea',
        address: server.host,
        connection: { url: server.caUrl, ...connection },
      })
      .expect(201);
    return (
      await t.http
        .post(`/api/v1/servers/${registered.body.id}/connection-test`)
        .set(bearer(t.adminKey))
        .expect(200)
    ).body as Record<string, unknown>;
  }

  it('verifies the agent against the registered CA, and refuses an agent it cannot verify', async () => {
    const host = nextLoopbackAddress();
    const certs = makeTestCertificates(host);
    const server = await startKeaServer({
      name: uniqueName('kea-tls'),
      host,
      tls: { ca: certs.ca, ...certs.agent },
    });
    servers.push(server);
    expect(server.caUrl).toMatch(/^https:/);

    expect(await connectionTest(server, { caCert: certs.ca })).toMatchObject({ ok: true, version: '2.2.0' });
    // Without the CA the agent's certificate is untrusted: a TLS failure, reported as such.
    const untrusted = await connectionTest(server, {});
    expect(untrusted).toMatchObject({ ok: false, error: { code: 'auth' } });
    expect((untrusted['error'] as { message: string }).message).toMatch(/TLS/);
    // verifyTls: false is the explicit, testing-only escape.
    expect(await connectionTest(server, { verifyTls: false })).toMatchObject({ ok: true });
  });

  it('presents the registered client certificate to an agent that requires one', async () => {
    const host = nextLoopbackAddress();
    const certs = makeTestCertificates(host);
    const server = await startKeaServer({
      name: uniqueName('kea-mtls'),
      host,
      tls: { ca: certs.ca, ...certs.agent, certRequired: true, client: certs.client },
    });
    servers.push(server);

    const mutual = await connectionTest(server, {
      caCert: certs.ca,
      clientCert: certs.client.cert,
      clientKey: certs.client.key,
    });
    expect(mutual).toEqual(expect.objectContaining({ ok: true }));
    const refused = await connectionTest(server, { caCert: certs.ca });
    expect(refused['ok']).toBe(false);
  });

  it('an HA relationship between agents registered over HTTPS is refused before anything is written, saying why', async () => {
    const ids: string[] = [];
    const pair: KeaServer[] = [];
    for (let i = 0; i < 2; i++) {
      const host = nextLoopbackAddress();
      const certs = makeTestCertificates(host);
      const server = await startKeaServer({
        name: uniqueName('kea-tls-ha'),
        host,
        tls: { ca: certs.ca, ...certs.agent },
      });
      servers.push(server);
      pair.push(server);
      const registered = await t.http
        .post('/api/v1/servers')
        .set(bearer(t.adminKey))
        .send({
          name: server.name,
          vendor: 'kea',
          address: host,
          connection: { url: server.caUrl, caCert: certs.ca },
        })
        .expect(201);
      ids.push(registered.body.id as string);
    }
    const digests = async (): Promise<string[]> =>
      Promise.all(pair.map(async (server) => configDigest({ Dhcp4: await server.dhcp4Config() })));
    const before = await digests();
    const response = await t.http
      .post('/api/v1/relationships')
      .set(bearer(t.adminKey))
      .send({
        name: uniqueName('tls-pair'),
        vendor: 'kea',
        mode: 'hot-standby',
        servers: [
          { serverId: ids[0], role: 'primary' },
          { serverId: ids[1], role: 'standby' },
        ],
        settings: { heartbeatDelay: 1000 },
      })
      .expect(501);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({
      type: 'urn:dfm:problem:server-unsupported-operation',
      failedServerId: ids[0],
      restored: [],
    });
    expect(response.body.detail).toContain(
      `${pair[0].name}'s Control Agent is registered at ${pair[0].caUrl}`,
    );
    expect(response.body.detail).toContain('trust-anchor');
    expect(response.body.detail).toContain('Nothing was changed.');
    expect(await digests()).toEqual(before);
    const listed = await t.http
      .get(`/api/v1/relationships?serverId=${ids[0]}`)
      .set(bearer(t.adminKey))
      .expect(200);
    expect(listed.body.total).toBe(0);
  });
});
