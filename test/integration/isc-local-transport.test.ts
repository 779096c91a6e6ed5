import { DataSource } from 'typeorm';
import { ServerEntity } from '../../src/servers/server.entity.js';
import { uniqueName } from '../support/fixtures.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

const FINGERPRINT = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';
const LOCAL = { transport: 'local', configPath: '/etc/dhcp/dhcpd.conf', restartCommand: 'id' };

describe('ISC transport local is the operator’s to allow (ISC_LOCAL_TRANSPORT, off by default)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false, iscLocalTransport: false });
  });
  afterAll(() => t.close());

  const auth = (): Record<string, string> => bearer(t.adminKey);
  const count = async (): Promise<number> =>
    (await t.app.get(DataSource).query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM servers'))[0].n;
  const refusal = {
    field: 'connection.transport',
    message:
      "transport local runs dhcpd and the restart command, and reads and writes files, on this service's own host, " +
      'which this service does not allow (its operator can: ISC_LOCAL_TRANSPORT=on); use transport ssh',
  };

  it('refuses to register or change a server to transport local, and writes nothing', async () => {
    const before = await count();
    const created = await t.http
      .post('/api/v1/servers')
      .set(auth())
      .send({ name: uniqueName('isc'), vendor: 'isc', address: '127.0.0.1', connection: LOCAL })
      .expect(400);
    expect(created.body.errors).toEqual([refusal]);
    expect(await count()).toBe(before);

    const ssh = await t.http
      .post('/api/v1/servers')
      .set(auth())
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
    const changed = await t.http
      .patch(`/api/v1/servers/${ssh.body.id as string}`)
      .set(auth())
      .send({
        connection: {
          transport: 'local',
          host: null,
          username: null,
          password: null,
          hostKeyFingerprint: null,
        },
      })
      .expect(400);
    expect(changed.body.errors).toEqual([refusal]);
    const after = await t.http
      .get(`/api/v1/servers/${ssh.body.id as string}`)
      .set(auth())
      .expect(200);
    expect(after.body.connection.transport).toBe('ssh');
  });

  it('a server registered with transport local while it was allowed is refused when used, saying why', async () => {
    // As a service that allowed it stored it (the API no longer would).
    const { id } = await t.app
      .get(DataSource)
      .getRepository(ServerEntity)
      .save({
        name: uniqueName('isc'),
        vendor: 'isc',
        address: '127.0.0.1',
        connection: LOCAL,
        secretNames: [],
      });
    const read = await t.http.get(`/api/v1/servers/${id}/scopes`).set(auth()).expect(501);
    expect(read.body.detail).toContain(
      'is registered with transport local, which this service does not allow',
    );
    expect(read.body.detail).toContain('ISC_LOCAL_TRANSPORT=on');
    const test = await t.http.post(`/api/v1/servers/${id}/connection-test`).set(auth());
    expect(JSON.stringify(test.body)).toContain('ISC_LOCAL_TRANSPORT=on');
  });
});
