import { ADMINISTRATORS_ROLE_ID } from '../../src/permissions/built-in-roles.js';
import { keaServerBody, principalWith } from '../support/fixtures.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

describe('authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers 401 problem+json without a key, with a malformed header and with an unknown key', async () => {
    for (const headers of [{}, { Authorization: 'Basic abc' }, bearer('dfm_unknown')]) {
      const response = await t.http.get('/api/v1/principals').set(headers).expect(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(response.body).toMatchObject({ type: 'urn:dfm:problem:unauthenticated', status: 401 });
      expect(response.body.requestId).toBe(response.headers['x-request-id']);
    }
  });

  it('takes the Bearer scheme in any case, as HTTP defines it', async () => {
    for (const scheme of ['bearer', 'BEARER', 'Bearer ']) {
      await t.http.get('/api/v1/principals').set('Authorization', `${scheme} ${t.adminKey}`).expect(200);
    }
  });

  it('the bootstrap administrator, its grant and its key are in the audit trail, made by the service itself', async () => {
    const admin = (
      await t.http.get('/api/v1/principals?name=admin').set(bearer(t.adminKey)).expect(200)
    ).body.items.find((p: { name: string }) => p.name === 'admin');
    const events = await t.http.get('/api/v1/audit-events?limit=200').set(bearer(t.adminKey)).expect(200);
    const bootstrap = (
      events.body.items as Array<{
        action: string;
        principalId: string | null;
        details: Record<string, unknown>;
      }>
    ).filter((event) => event.principalId === null);
    expect(bootstrap.map((event) => event.action).sort()).toEqual([
      'api-key.created',
      'grant.created',
      'principal.created',
    ]);
    expect(bootstrap.find((event) => event.action === 'grant.created')?.details).toMatchObject({
      principalId: admin.id,
      roleId: ADMINISTRATORS_ROLE_ID,
    });
    expect(JSON.stringify(bootstrap)).not.toContain(t.adminKey);
  });

  it('deleting a principal audits the grants and API keys that go with it', async () => {
    const principal = await principalWith(t, [{ permissions: ['add-scope'], resource: { type: 'global' } }]);
    const grants = await t.http
      .get(`/api/v1/grants?principalId=${principal.id}`)
      .set(bearer(t.adminKey))
      .expect(200);
    const grantId = grants.body.items[0].id as string;
    const keys = await t.http
      .get(`/api/v1/api-keys?principalId=${principal.id}`)
      .set(bearer(t.adminKey))
      .expect(200);
    const keyId = keys.body.items[0].id as string;
    await t.http.delete(`/api/v1/principals/${principal.id}`).set(bearer(t.adminKey)).expect(204);
    const trail = async (
      targetId: string,
    ): Promise<Array<{ action: string; details: Record<string, unknown> }>> =>
      (await t.http.get(`/api/v1/audit-events?targetId=${targetId}`).set(bearer(t.adminKey)).expect(200)).body
        .items as Array<{ action: string; details: Record<string, unknown> }>;
    const reason = expect.stringContaining(`${principal.id}) was deleted`);
    expect((await trail(grantId)).map((event) => event.action)).toEqual(['grant.deleted', 'grant.created']);
    expect((await trail(grantId))[0].details).toMatchObject({ principalId: principal.id, reason });
    expect((await trail(keyId)).map((event) => event.action)).toEqual(['api-key.deleted', 'api-key.created']);
    expect((await trail(keyId))[0].details).toMatchObject({ principalId: principal.id, reason });
    expect((await trail(principal.id))[0]).toMatchObject({
      action: 'principal.deleted',
      details: { grantsRemoved: [grantId], apiKeysRemoved: [keyId] },
    });
    expect(JSON.stringify(await trail(keyId))).not.toContain(principal.key);
  });

  it('the bootstrap administrator can create a principal, a key for it, and that key works until revoked', async () => {
    const principal = await t.http
      .post('/api/v1/principals')
      .set(bearer(t.adminKey))
      .send({ name: 'terraform-ci', kind: 'service' })
      .expect(201);
    expect(principal.headers['etag']).toBe('"1"');
    expect(principal.headers['location']).toBe(`/api/v1/principals/${principal.body.id}`);

    const created = await t.http
      .post('/api/v1/api-keys')
      .set(bearer(t.adminKey))
      .send({ principalId: principal.body.id, name: 'pipeline' })
      .expect(201);
    expect(created.body.key).toMatch(/^dfm_/);
    expect(created.body.prefix).toBe(created.body.key.slice(0, 12));

    // Shown once: reading or listing the key never shows it again.
    const read = await t.http.get(`/api/v1/api-keys/${created.body.id}`).set(bearer(t.adminKey)).expect(200);
    expect(read.body.key).toBeUndefined();
    const listed = await t.http
      .get(`/api/v1/api-keys?principalId=${principal.body.id}`)
      .set(bearer(t.adminKey))
      .expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);

    // The key authenticates (403 rather than 401: it has no grant yet).
    await t.http.get('/api/v1/principals').set(bearer(created.body.key)).expect(403);
    // The database holds a digest only.
    const rows: Array<{ digest: string }> = await t.app
      .get((await import('typeorm')).DataSource)
      .query('SELECT digest FROM api_keys WHERE id = $1', [created.body.id]);
    expect(rows[0]?.digest).toHaveLength(64);
    expect(rows[0]?.digest).not.toContain(created.body.key);

    await t.http.delete(`/api/v1/api-keys/${created.body.id}`).set(bearer(t.adminKey)).expect(204);
    await t.http.get('/api/v1/principals').set(bearer(created.body.key)).expect(401);
    const revoked = await t.http
      .get(`/api/v1/api-keys/${created.body.id}`)
      .set(bearer(t.adminKey))
      .expect(200);
    expect(revoked.body.revokedAt).not.toBeNull();
  });

  it('expiresAt of a key is an ISO 8601 date-time in the future: a number, another notation, a day that does not exist or a time without its zone is a 400', async () => {
    const principal = await t.http
      .post('/api/v1/principals')
      .set(bearer(t.adminKey))
      .send({ name: 'expiring', kind: 'service' })
      .expect(201);
    const principalId = principal.body.id as string;
    for (const expiresAt of [
      1_895_000_000_000,
      '1895000000',
      'March 7, 2030',
      '2031-02-29T00:00:00Z',
      '2030-04-31',
      '2030-03-07T10:00:00',
    ]) {
      const refused = await t.http
        .post('/api/v1/api-keys')
        .set(bearer(t.adminKey))
        .send({ principalId, expiresAt })
        .expect(400);
      expect(refused.body.errors).toEqual([
        {
          field: 'expiresAt',
          message: 'expiresAt must be an ISO 8601 date-time with its zone, e.g. 2027-03-07T10:00:00Z',
        },
      ]);
    }
    const past = await t.http
      .post('/api/v1/api-keys')
      .set(bearer(t.adminKey))
      .send({ principalId, expiresAt: '2001-01-01T00:00:00Z' })
      .expect(400);
    expect(past.body.errors).toEqual([{ field: 'expiresAt', message: 'expiresAt must be in the future' }]);
    const keys = await t.http.get(`/api/v1/api-keys?principalId=${principalId}`).set(bearer(t.adminKey));
    expect(keys.body.total).toBe(0);
    const created = await t.http
      .post('/api/v1/api-keys')
      .set(bearer(t.adminKey))
      .send({ principalId, expiresAt: '2030-03-07T10:00:00+01:00' })
      .expect(201);
    expect(created.body.expiresAt).toBe('2030-03-07T09:00:00.000Z');
  });

  it('a disabled principal cannot authenticate, and the last administrator cannot be disabled', async () => {
    const principal = await t.http
      .post('/api/v1/principals')
      .set(bearer(t.adminKey))
      .send({ name: 'bob', kind: 'user' })
      .expect(201);
    const key = await t.http
      .post('/api/v1/api-keys')
      .set(bearer(t.adminKey))
      .send({ principalId: principal.body.id })
      .expect(201);
    await t.http
      .patch(`/api/v1/principals/${principal.body.id}`)
      .set(bearer(t.adminKey))
      .send({ disabled: true })
      .expect(200);
    await t.http.get('/api/v1/servers').set(bearer(key.body.key)).expect(401);

    const admins = await t.http.get('/api/v1/principals?name=admin').set(bearer(t.adminKey)).expect(200);
    const admin = admins.body.items.find((p: { name: string }) => p.name === 'admin');
    const refused = await t.http
      .patch(`/api/v1/principals/${admin.id}`)
      .set(bearer(t.adminKey))
      .send({ disabled: true })
      .expect(409);
    expect(refused.body.detail).toMatch(/last enabled principal/);
  });

  it('a disabled principal gets no API key: 409 saying to enable it first, no key made; its existing key stops at once', async () => {
    const principal = await t.http
      .post('/api/v1/principals')
      .set(bearer(t.adminKey))
      .send({ name: 'carol', kind: 'user' })
      .expect(201);
    const id = principal.body.id as string;
    const before = await t.http
      .post('/api/v1/api-keys')
      .set(bearer(t.adminKey))
      .send({ principalId: id })
      .expect(201);
    await t.http.get('/api/v1/principals').set(bearer(before.body.key)).expect(403);
    await t.http
      .patch(`/api/v1/principals/${id}`)
      .set(bearer(t.adminKey))
      .send({ disabled: true })
      .expect(200);
    const stopped = await t.http.get('/api/v1/principals').set(bearer(before.body.key)).expect(401);
    expect(stopped.body.type).toBe('urn:dfm:problem:unauthenticated');

    const refused = await t.http
      .post('/api/v1/api-keys')
      .set(bearer(t.adminKey))
      .send({ principalId: id, name: 'while disabled' })
      .expect(409);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ type: 'urn:dfm:problem:conflict', principalId: id });
    expect(refused.body.detail).toContain('"carol"');
    expect(refused.body.detail).toMatch(/is disabled.*enable it first/);
    expect(refused.body.key).toBeUndefined();
    const keys = await t.http.get(`/api/v1/api-keys?principalId=${id}`).set(bearer(t.adminKey)).expect(200);
    expect(keys.body.items.map((key: { id: string }) => key.id)).toEqual([before.body.id]);
    const created = await t.http
      .get(`/api/v1/audit-events?targetType=api-key&limit=200`)
      .set(bearer(t.adminKey));
    expect(JSON.stringify(created.body)).not.toContain('while disabled');

    await t.http
      .patch(`/api/v1/principals/${id}`)
      .set(bearer(t.adminKey))
      .send({ disabled: false })
      .expect(200);
    await t.http.post('/api/v1/api-keys').set(bearer(t.adminKey)).send({ principalId: id }).expect(201);
  });

  it('PATCH with null for a field that cannot be unset is a 400 naming it, and changes nothing', async () => {
    const principal = await t.http
      .post('/api/v1/principals')
      .set(bearer(t.adminKey))
      .send({ name: 'nullable-probe', kind: 'user', description: 'kept' })
      .expect(201);
    const role = await t.http
      .post('/api/v1/roles')
      .set(bearer(t.adminKey))
      .send({ name: 'nullable-role', permissions: ['add-scope'] })
      .expect(201);
    const server = await t.http
      .post('/api/v1/servers')
      .set(bearer(t.adminKey))
      .send(keaServerBody())
      .expect(201);
    const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
      [`/api/v1/principals/${principal.body.id}`, principal.body, { name: null }],
      [`/api/v1/principals/${principal.body.id}`, principal.body, { description: null }],
      [`/api/v1/principals/${principal.body.id}`, principal.body, { disabled: null }],
      [`/api/v1/roles/${role.body.id}`, role.body, { name: null }],
      [`/api/v1/roles/${role.body.id}`, role.body, { description: null }],
      [`/api/v1/roles/${role.body.id}`, role.body, { permissions: null }],
      [`/api/v1/servers/${server.body.id}`, server.body, { name: null }],
      [`/api/v1/servers/${server.body.id}`, server.body, { address: null }],
      [`/api/v1/servers/${server.body.id}`, server.body, { description: null }],
    ];
    for (const [path, before, body] of cases) {
      const field = Object.keys(body)[0];
      const response = await t.http.patch(path).set(bearer(t.adminKey)).send(body).expect(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.type).toBe('urn:dfm:problem:validation');
      expect(response.body.errors).toContainEqual({
        field,
        message: `${field} cannot be null; leave it out to keep the current value`,
      });
      const after = await t.http.get(path).set(bearer(t.adminKey)).expect(200);
      expect(after.body).toEqual(before);
    }
  });

  it('PATCH answers the whole resource and audits only the fields sent', async () => {
    const principal = await t.http
      .post('/api/v1/principals')
      .set(bearer(t.adminKey))
      .send({ name: 'partial-patch', kind: 'service', description: 'before' })
      .expect(201);
    const patched = await t.http
      .patch(`/api/v1/principals/${principal.body.id}`)
      .set(bearer(t.adminKey))
      .send({ description: 'after' })
      .expect(200);
    expect(patched.body).toMatchObject({
      name: 'partial-patch',
      kind: 'service',
      description: 'after',
      disabled: false,
    });
    const role = await t.http
      .post('/api/v1/roles')
      .set(bearer(t.adminKey))
      .send({ name: 'partial-role', description: 'kept', permissions: ['add-scope'] })
      .expect(201);
    const patchedRole = await t.http
      .patch(`/api/v1/roles/${role.body.id}`)
      .set(bearer(t.adminKey))
      .send({ permissions: ['edit-reservations'] })
      .expect(200);
    expect(patchedRole.body).toMatchObject({
      name: 'partial-role',
      description: 'kept',
      permissions: ['edit-reservations'],
    });
    const server = await t.http
      .post('/api/v1/servers')
      .set(bearer(t.adminKey))
      .send(keaServerBody())
      .expect(201);
    await t.http
      .patch(`/api/v1/servers/${server.body.id}`)
      .set(bearer(t.adminKey))
      .send({ description: 'now described' })
      .expect(200);
    for (const [type, id, changed] of [
      ['principal', principal.body.id, ['description']],
      ['role', role.body.id, ['permissions']],
      ['server', server.body.id, ['description']],
    ] as const) {
      const audit = await t.http
        .get(`/api/v1/audit-events?targetType=${type}&targetId=${id}&action=${type}.updated`)
        .set(bearer(t.adminKey))
        .expect(200);
      expect(
        audit.body.items.map((item: { details: { changed: string[] } }) => item.details.changed),
      ).toEqual([changed]);
    }
  });

  it('PATCH that changes nothing (values as they are, a secret sent again) keeps the ETag and audits nothing; the audit names only what changed', async () => {
    const admin = bearer(t.adminKey);
    const principal = await t.http
      .post('/api/v1/principals')
      .set(admin)
      .send({ name: 'steady', kind: 'user', description: 'same' })
      .expect(201);
    const role = await t.http
      .post('/api/v1/roles')
      .set(admin)
      .send({ name: 'steady-role', permissions: ['add-scope'] })
      .expect(201);
    const body = keaServerBody();
    const server = await t.http.post('/api/v1/servers').set(admin).send(body).expect(201);
    // As a pipeline that applies its desired state on every run sends it.
    const unchanged = [
      [`/api/v1/principals/${principal.body.id}`, { name: 'steady', description: 'same', disabled: false }],
      [`/api/v1/roles/${role.body.id}`, { name: 'steady-role', permissions: ['add-scope'] }],
      [
        `/api/v1/servers/${server.body.id}`,
        { name: body['name'], address: body['address'], connection: body['connection'] },
      ],
      [`/api/v1/servers/${server.body.id}`, {}],
    ] as const;
    for (const [path, patch] of unchanged) {
      const answer = await t.http.patch(path).set(admin).set('If-Match', '"1"').send(patch).expect(200);
      expect(answer.headers['etag']).toBe('"1"');
    }
    // Some of it changed: the audit names that only (not the URL and password sent as they were).
    await t.http
      .patch(`/api/v1/servers/${server.body.id}`)
      .set(admin)
      .send({
        description: 'now described',
        connection: { ...(body['connection'] as object), timeoutMs: 2000 },
      })
      .expect(200);
    const audit = async (type: string, id: string): Promise<string[][]> => {
      const events = await t.http
        .get(`/api/v1/audit-events?targetType=${type}&targetId=${id}&action=${type}.updated`)
        .set(admin)
        .expect(200);
      const items = events.body.items as Array<{ details: { changed: string[] } }>;
      return items.map((item) => item.details.changed);
    };
    expect(await audit('principal', principal.body.id)).toEqual([]);
    expect(await audit('role', role.body.id)).toEqual([]);
    expect(await audit('server', server.body.id)).toEqual([['description', 'connection.timeoutMs']]);
  });
});

describe('the last administrator, under changes made at the same moment', () => {
  let t: TestApp;
  beforeAll(async () => {
    // An app of its own: the rounds below take the bootstrap administrator's role away and give it back.
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  const adminGrants = async (key: string): Promise<Array<{ id: string; principalId: string }>> => {
    const listed = await t.http
      .get(`/api/v1/grants?roleId=${ADMINISTRATORS_ROLE_ID}&resourceType=global&limit=200`)
      .set(bearer(key))
      .expect(200);
    return (listed.body as { items: Array<{ id: string; principalId: string }> }).items;
  };

  it('two removals of Administrators grants at once never leave nobody holding the role', async () => {
    const x = await principalWith(t, [{ roleId: ADMINISTRATORS_ROLE_ID, resource: { type: 'global' } }]);
    const keys = new Map<string, string>([[x.id, x.key]]);
    const bootstrap = (await adminGrants(t.adminKey)).find((grant) => grant.principalId !== x.id)!;
    keys.set(bootstrap.principalId, t.adminKey);
    for (let round = 0; round < 8; round++) {
      const grants = await adminGrants(x.key).catch(() => adminGrants(t.adminKey));
      expect(grants).toHaveLength(2);
      // Each administrator removes the other's grant: each alone would be allowed.
      const statuses = await Promise.all(
        grants.map(async (grant) => {
          const other = grants.find((candidate) => candidate !== grant)!;
          return (await t.http.delete(`/api/v1/grants/${grant.id}`).set(bearer(keys.get(other.principalId)!)))
            .status;
        }),
      );
      expect(statuses.filter((status) => status === 204)).toHaveLength(1);
      expect(statuses.filter((status) => status === 409 || status === 403)).toHaveLength(1);
      // The one left gives the role back, for the next round.
      const survivor = grants[statuses.indexOf(204) === 0 ? 1 : 0];
      const removed = grants[statuses.indexOf(204)];
      await t.http
        .post('/api/v1/grants')
        .set(bearer(keys.get(survivor.principalId)!))
        .send({
          principalId: removed.principalId,
          roleId: ADMINISTRATORS_ROLE_ID,
          resource: { type: 'global' },
        })
        .expect(201);
    }
  });
});
