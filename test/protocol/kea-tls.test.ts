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
});
