import { BUILT_IN, principalWith } from '../support/fixtures.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

const basic = (key: string): { Authorization: string } => ({
  Authorization: `Basic ${Buffer.from(`operator:${key}`).toString('base64')}`,
});

describe('the queue dashboard (Bull Board) at /admin/queues', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(async () => {
    await t.close();
  });

  it('asks browsers for credentials, and refuses bad keys, as problem+json', async () => {
    const anonymous = await t.http.get('/admin/queues').expect(401);
    expect(anonymous.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic realm="dhcp-failover-manager queues"/);
    expect(anonymous.body.detail).toContain('HTTP Basic');
    await t.http.get('/admin/queues').set(basic('dfm_not-a-real-key')).expect(401);
    await t.http.get('/admin/queues/api/queues').set(bearer('dfm_not-a-real-key')).expect(401);
  });

  it('is for the Administrators role only: a global DHCP Administrators grant is refused', async () => {
    const dhcpAdmin = await principalWith(t, [
      { roleId: BUILT_IN.dhcpAdministrators, resource: { type: 'global' } },
    ]);
    const refused = await t.http.get('/admin/queues').set(basic(dhcpAdmin.key)).expect(403);
    expect(refused.body.detail).toContain('Administrators role');
    await t.http.get('/admin/queues/api/queues').set(bearer(dhcpAdmin.key)).expect(403);
  });

  it('serves the board and its queue API to an administrator, by Basic auth or Bearer key, read-only', async () => {
    const page = await t.http.get('/admin/queues').set(basic(t.adminKey)).expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('dhcp-failover-manager');
    const queues = await t.http.get('/admin/queues/api/queues').set(bearer(t.adminKey)).expect(200);
    const listed = (queues.body.queues as Array<{ name: string; readOnlyMode: boolean }>).map((queue) => [
      queue.name,
      queue.readOnlyMode,
    ]);
    expect(listed).toEqual([['replication', true]]);
  });
});
