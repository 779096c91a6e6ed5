import { DataSource } from 'typeorm';
import { keaServerBody, registerServer, saveRelationshipRecord, uniqueName } from '../support/fixtures.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

/** Names of principals, roles, servers and relationships are unique whatever their case, and kept as given. */
describe('names', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(() => t.close());

  const cases = [
    {
      what: 'principal',
      path: '/api/v1/principals',
      body: (name: string) => ({ name, kind: 'service' }),
    },
    {
      what: 'role',
      path: '/api/v1/roles',
      body: (name: string) => ({ name, permissions: ['add-scope'] }),
    },
    { what: 'server', path: '/api/v1/servers', body: (name: string) => keaServerBody({ name }) },
  ];

  it.each(cases)(
    'a $what name taken in another case is a 409 naming the one that has it, on POST and PATCH; nothing changes',
    async ({ what, path, body }) => {
      const name = uniqueName('Dc1-Pair');
      const first = await t.http.post(path).set(bearer(t.adminKey)).send(body(name)).expect(201);
      expect(first.body.name).toBe(name); // kept as given

      const again = await t.http
        .post(path)
        .set(bearer(t.adminKey))
        .send(body(name.toLowerCase()))
        .expect(409);
      expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(again.body).toMatchObject({ type: 'urn:dfm:problem:conflict', existingId: first.body.id });
      expect(again.body.detail).toBe(
        `A ${what} named "${name}" exists already (${first.body.id}); names are unique whatever their case, ` +
          `so "${name.toLowerCase()}" is taken`,
      );
      const exact = await t.http.post(path).set(bearer(t.adminKey)).send(body(name)).expect(409);
      expect(exact.body.detail).toBe(`A ${what} named "${name}" exists already (${first.body.id})`);

      const other = await t.http
        .post(path)
        .set(bearer(t.adminKey))
        .send(body(uniqueName('other')))
        .expect(201);
      const renamed = await t.http
        .patch(`${path}/${other.body.id}`)
        .set(bearer(t.adminKey))
        .send({ name: name.toUpperCase() })
        .expect(409);
      expect(renamed.body.existingId).toBe(first.body.id);
      const unchanged = await t.http.get(`${path}/${other.body.id}`).set(bearer(t.adminKey)).expect(200);
      expect(unchanged.body.name).toBe(other.body.name);
      // A row may change the case of its own name.
      const recased = await t.http
        .patch(`${path}/${first.body.id}`)
        .set(bearer(t.adminKey))
        .send({ name: name.toUpperCase() })
        .expect(200);
      expect(recased.body.name).toBe(name.toUpperCase());
    },
  );

  it('a built-in role name in another case is taken', async () => {
    const refused = await t.http
      .post('/api/v1/roles')
      .set(bearer(t.adminKey))
      .send({ name: 'administrators', permissions: ['add-scope'] })
      .expect(409);
    expect(refused.body.detail).toMatch(/^A role named "Administrators" exists already/);
  });

  it('a relationship name taken in another case is a 409 before any server is asked', async () => {
    const [a, b] = [await registerServer(t), await registerServer(t)];
    const name = uniqueName('Office-Pair');
    const existing = await saveRelationshipRecord(t, [a, b], name);
    // Two agents (one agent registered twice cannot pair with itself: a 400); they answer nothing (loopback port 9):
    // a 409, not a 502, says the name was looked at first.
    const [c, d] = [
      await registerServer(t),
      await registerServer(
        t,
        keaServerBody({
          connection: { url: 'http://127.0.0.2:9/', username: 'kea-api', password: 'kea-secret-password' },
        }),
      ),
    ];
    const refused = await t.http
      .post('/api/v1/relationships')
      .set(bearer(t.adminKey))
      .send({
        name: name.toLowerCase(),
        vendor: 'kea',
        mode: 'hot-standby',
        servers: [
          { serverId: c, role: 'primary' },
          { serverId: d, role: 'standby' },
        ],
      })
      .expect(409);
    expect(refused.body).toMatchObject({ existingId: existing.id });
    expect(refused.body.detail).toContain(`"${name}"`);
  });

  it('the database refuses a name in another case too (two requests at once meet the index)', async () => {
    const dataSource = t.app.get(DataSource);
    const name = uniqueName('Raced');
    await dataSource.query(`INSERT INTO principals (name, kind, version) VALUES ($1, 'user', 1)`, [name]);
    await expect(
      dataSource.query(`INSERT INTO principals (name, kind, version) VALUES ($1, 'user', 1)`, [
        name.toUpperCase(),
      ]),
    ).rejects.toMatchObject({ driverError: expect.objectContaining({ code: '23505' }) });
  });
});
