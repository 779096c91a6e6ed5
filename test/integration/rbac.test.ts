import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { JobRecordsService } from '../../src/jobs/job-records.service.js';
import { RelationshipEntity } from '../../src/relationships/relationship.entity.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/eventually.js';
import { BUILT_IN, keaServerBody, principalWith, registerServer, uniqueName } from '../support/fixtures.js';

/**
 * Every endpoint x every kind of caller: no key, bad key, a principal without grants, a principal with exactly
 * the grant the endpoint needs, and each built-in role. Requests that are allowed must succeed with their normal
 * status; refused ones must name the missing permission.
 */
type Who =
  | 'noKey'
  | 'badKey'
  | 'noGrant'
  | 'rightGrant'
  | 'otherServerGrant'
  | 'administrators'
  | 'dhcpAdministrators'
  | 'ipamAdministrators';

interface Endpoint {
  name: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Builds a fresh target (path) and body for one call. */
  prepare(t: TestApp, serverId: string): Promise<{ path: string; body?: Record<string, unknown> }>;
  /** Status when allowed. */
  ok: number;
  /** The permission a refusal names; undefined for routes any key may call. */
  permission?: string;
  /** Grant (POST /grants body without principalId) that is exactly enough; `serverId` is substituted. */
  rightGrant?: Record<string, unknown>;
  /** Which built-in roles (granted globally) may call it. */
  roles: Array<'administrators' | 'dhcpAdministrators' | 'ipamAdministrators'>;
}

const ADMIN_ACCESS = { permissions: ['administer-access'], resource: { type: 'global' } };
const ACCESS_ROLES: Endpoint['roles'] = ['administrators'];
const ALL_ROLES: Endpoint['roles'] = ['administrators', 'dhcpAdministrators', 'ipamAdministrators'];
const SERVER_ADMIN_ROLES: Endpoint['roles'] = ['administrators', 'dhcpAdministrators'];

async function newPrincipal(t: TestApp): Promise<string> {
  const r = await t.http
    .post('/api/v1/principals')
    .set(bearer(t.adminKey))
    .send({ name: uniqueName('x'), kind: 'user' })
    .expect(201);
  return r.body.id as string;
}
async function newKey(t: TestApp): Promise<string> {
  const r = await t.http
    .post('/api/v1/api-keys')
    .set(bearer(t.adminKey))
    .send({ principalId: await newPrincipal(t) })
    .expect(201);
  return r.body.id as string;
}
async function newRole(t: TestApp): Promise<string> {
  const r = await t.http
    .post('/api/v1/roles')
    .set(bearer(t.adminKey))
    .send({ name: uniqueName('role'), permissions: ['add-scope'] })
    .expect(201);
  return r.body.id as string;
}
async function newGrant(t: TestApp): Promise<string> {
  const r = await t.http
    .post('/api/v1/grants')
    .set(bearer(t.adminKey))
    .send({
      principalId: await newPrincipal(t),
      permissions: ['dhcp-administrator'],
      resource: { type: 'global' },
    })
    .expect(201);
  return r.body.id as string;
}

async function relationshipBody(t: TestApp, serverId?: string): Promise<Record<string, unknown>> {
  // Two servers: the partner at another agent URL (one agent registered twice is one server, refused with a 400).
  const partner = keaServerBody({
    connection: { url: 'http://127.0.0.2:9/', username: 'kea-api', password: 'kea-secret-password' },
  });
  const [a, b] = [serverId ?? (await registerServer(t)), await registerServer(t, partner)];
  return {
    name: uniqueName('rel'),
    vendor: 'kea',
    mode: 'hot-standby',
    servers: [
      { serverId: a, role: 'primary' },
      { serverId: b, role: 'standby' },
    ],
  };
}
async function newRelationship(t: TestApp, serverId?: string, discovered = false): Promise<string> {
  const body = await relationshipBody(t, serverId);
  const servers = body['servers'] as Array<{ serverId: string; role: string }>;
  const saved = await t.app
    .get(DataSource)
    .getRepository(RelationshipEntity)
    .save({
      name: body['name'] as string,
      vendor: 'kea',
      mode: 'hot-standby',
      settings: {},
      status: 'normal',
      statusCheckedAt: null,
      discovered,
      servers: servers.map((server, position) => ({
        ...server,
        position,
        peerName: `peer${position}`,
        settings: {},
      })),
    });
  return saved.id;
}

/** A queued job someone else (the service itself) asked for; nothing runs it in this app. */
async function newJob(t: TestApp): Promise<string> {
  const { record } = await t.app
    .get(JobRecordsService)
    .enqueue({ queue: 'rbac-probe', name: 'noop', request: {}, requestedBy: null });
  return record.id;
}

const access = (e: Omit<Endpoint, 'permission' | 'rightGrant' | 'roles'>): Endpoint => ({
  ...e,
  permission: 'administer-access',
  rightGrant: ADMIN_ACCESS,
  roles: ACCESS_ROLES,
});
const dhcpAdmin = (e: Omit<Endpoint, 'permission' | 'rightGrant' | 'roles'>): Endpoint => ({
  ...e,
  permission: 'dhcp-administrator',
  rightGrant: { permissions: ['dhcp-administrator'], resource: { type: 'global' } },
  roles: SERVER_ADMIN_ROLES,
});
const onServer = (e: Omit<Endpoint, 'permission' | 'rightGrant' | 'roles'>): Endpoint => ({
  ...e,
  permission: 'administer-dhcp-servers',
  rightGrant: { permissions: ['administer-dhcp-servers'], resource: { type: 'server', serverId: '$server' } },
  roles: SERVER_ADMIN_ROLES,
});

const ENDPOINTS: Endpoint[] = [
  access({
    name: 'POST /principals',
    method: 'post',
    ok: 201,
    prepare: async () => ({ path: '/api/v1/principals', body: { name: uniqueName('n'), kind: 'user' } }),
  }),
  access({
    name: 'GET /principals',
    method: 'get',
    ok: 200,
    prepare: async () => ({ path: '/api/v1/principals' }),
  }),
  access({
    name: 'GET /principals/{id}',
    method: 'get',
    ok: 200,
    prepare: async (t) => ({ path: `/api/v1/principals/${await newPrincipal(t)}` }),
  }),
  access({
    name: 'PATCH /principals/{id}',
    method: 'patch',
    ok: 200,
    prepare: async (t) => ({
      path: `/api/v1/principals/${await newPrincipal(t)}`,
      body: { description: 'changed' },
    }),
  }),
  access({
    name: 'DELETE /principals/{id}',
    method: 'delete',
    ok: 204,
    prepare: async (t) => ({ path: `/api/v1/principals/${await newPrincipal(t)}` }),
  }),
  access({
    name: 'POST /api-keys',
    method: 'post',
    ok: 201,
    prepare: async (t) => ({ path: '/api/v1/api-keys', body: { principalId: await newPrincipal(t) } }),
  }),
  access({
    name: 'GET /api-keys',
    method: 'get',
    ok: 200,
    prepare: async () => ({ path: '/api/v1/api-keys' }),
  }),
  access({
    name: 'GET /api-keys/{id}',
    method: 'get',
    ok: 200,
    prepare: async (t) => ({ path: `/api/v1/api-keys/${await newKey(t)}` }),
  }),
  access({
    name: 'DELETE /api-keys/{id}',
    method: 'delete',
    ok: 204,
    prepare: async (t) => ({ path: `/api/v1/api-keys/${await newKey(t)}` }),
  }),
  access({
    name: 'POST /roles',
    method: 'post',
    ok: 201,
    prepare: async () => ({
      path: '/api/v1/roles',
      body: { name: uniqueName('r'), permissions: ['edit-exclusions'] },
    }),
  }),
  access({ name: 'GET /roles', method: 'get', ok: 200, prepare: async () => ({ path: '/api/v1/roles' }) }),
  access({
    name: 'GET /roles/{id}',
    method: 'get',
    ok: 200,
    prepare: async (t) => ({ path: `/api/v1/roles/${await newRole(t)}` }),
  }),
  access({
    name: 'PATCH /roles/{id}',
    method: 'patch',
    ok: 200,
    prepare: async (t) => ({ path: `/api/v1/roles/${await newRole(t)}`, body: { description: 'x' } }),
  }),
  access({
    name: 'DELETE /roles/{id}',
    method: 'delete',
    ok: 204,
    prepare: async (t) => ({ path: `/api/v1/roles/${await newRole(t)}` }),
  }),
  access({
    name: 'POST /grants',
    method: 'post',
    ok: 201,
    prepare: async (t) => ({
      path: '/api/v1/grants',
      body: {
        principalId: await newPrincipal(t),
        roleId: BUILT_IN.ipamAdministrators,
        resource: { type: 'global' },
      },
    }),
  }),
  access({ name: 'GET /grants', method: 'get', ok: 200, prepare: async () => ({ path: '/api/v1/grants' }) }),
  access({
    name: 'GET /grants/{id}',
    method: 'get',
    ok: 200,
    prepare: async (t) => ({ path: `/api/v1/grants/${await newGrant(t)}` }),
  }),
  access({
    name: 'GET /audit-events',
    method: 'get',
    ok: 200,
    prepare: async () => ({ path: '/api/v1/audit-events' }),
  }),
  access({
    name: 'DELETE /grants/{id}',
    method: 'delete',
    ok: 204,
    prepare: async (t) => ({ path: `/api/v1/grants/${await newGrant(t)}` }),
  }),
  {
    name: 'POST /servers',
    method: 'post',
    ok: 201,
    permission: 'administer-dhcp-servers',
    rightGrant: { permissions: ['administer-dhcp-servers'], resource: { type: 'global' } },
    roles: SERVER_ADMIN_ROLES,
    prepare: async () => ({ path: '/api/v1/servers', body: keaServerBody() }),
  },
  {
    name: 'GET /servers/{id}',
    method: 'get',
    ok: 200,
    permission: 'administer-dhcp-servers',
    // Any grant reaching the server lets one see it, e.g. one scope's bit.
    rightGrant: {
      permissions: ['edit-reservations'],
      resource: { type: 'scope', serverId: '$server', network: '10.1.2.0' },
    },
    roles: ALL_ROLES,
    prepare: async (_t, serverId) => ({ path: `/api/v1/servers/${serverId}` }),
  },
  onServer({
    name: 'PATCH /servers/{id}',
    method: 'patch',
    ok: 200,
    prepare: async (_t, serverId) => ({
      path: `/api/v1/servers/${serverId}`,
      body: { description: uniqueName('d') },
    }),
  }),
  onServer({
    name: 'POST /servers/{id}/connection-test',
    method: 'post',
    ok: 200,
    prepare: async (_t, serverId) => ({ path: `/api/v1/servers/${serverId}/connection-test` }),
  }),
  onServer({
    name: 'DELETE /servers/{id}',
    method: 'delete',
    ok: 204,
    prepare: async (_t, serverId) => ({ path: `/api/v1/servers/${serverId}` }),
  }),
  // Relationships need dhcp-administrator. Their servers here answer nothing (loopback port 9), so an allowed
  // POST or DELETE gets as far as the server and answers 502; GETs read the record.
  dhcpAdmin({
    name: 'POST /relationships',
    method: 'post',
    ok: 502,
    prepare: async (t) => ({ path: '/api/v1/relationships', body: await relationshipBody(t) }),
  }),
  dhcpAdmin({
    name: 'GET /relationships',
    method: 'get',
    ok: 200,
    prepare: async () => ({ path: '/api/v1/relationships' }),
  }),
  dhcpAdmin({
    name: 'GET /relationships/{id}',
    method: 'get',
    ok: 200,
    prepare: async (t) => ({ path: `/api/v1/relationships/${await newRelationship(t)}` }),
  }),
  dhcpAdmin({
    name: 'GET /relationships/{id}/state',
    method: 'get',
    ok: 200,
    prepare: async (t) => ({ path: `/api/v1/relationships/${await newRelationship(t)}/state` }),
  }),
  dhcpAdmin({
    name: 'POST /relationships/{id}/adopt',
    method: 'post',
    ok: 200,
    prepare: async (t) => ({
      path: `/api/v1/relationships/${await newRelationship(t, undefined, true)}/adopt`,
    }),
  }),
  dhcpAdmin({
    name: 'PATCH /relationships/{id}',
    method: 'patch',
    ok: 502,
    prepare: async (t) => ({
      path: `/api/v1/relationships/${await newRelationship(t)}`,
      body: { settings: { heartbeatDelay: 2000 } },
    }),
  }),
  dhcpAdmin({
    name: 'DELETE /relationships/{id}',
    method: 'delete',
    ok: 502,
    prepare: async (t) => ({ path: `/api/v1/relationships/${await newRelationship(t)}` }),
  }),
  {
    name: 'GET /servers/{id}/scopes',
    method: 'get',
    ok: 502,
    permission: 'administer-dhcp-servers',
    rightGrant: {
      permissions: ['edit-exclusions'],
      resource: { type: 'server-scopes', serverId: '$server' },
    },
    roles: ALL_ROLES,
    prepare: async (_t, serverId) => ({ path: `/api/v1/servers/${serverId}/scopes` }),
  },
  {
    name: 'GET /servers/{id}/scopes/{network}',
    method: 'get',
    ok: 502,
    // Any grant reaching the scope; a refusal suggests the scope bit closest to reading it.
    permission: 'read-write-scope-options',
    rightGrant: {
      permissions: ['edit-exclusions'],
      resource: { type: 'scope', serverId: '$server', network: '10.0.0.0' },
    },
    roles: ALL_ROLES,
    prepare: async (_t, serverId) => ({ path: `/api/v1/servers/${serverId}/scopes/10.0.0.0` }),
  },
  dhcpAdmin({
    name: 'GET /relationships/{id}/scopes',
    method: 'get',
    ok: 502,
    prepare: async (t) => ({ path: `/api/v1/relationships/${await newRelationship(t)}/scopes` }),
  }),
  {
    name: 'POST /relationships/{id}/scopes',
    method: 'post',
    ok: 502,
    permission: 'add-scope',
    // Needed on both servers of the relationship: a global grant covers both.
    rightGrant: { permissions: ['add-scope'], resource: { type: 'global' } },
    roles: SERVER_ADMIN_ROLES,
    prepare: async (t, serverId) => ({
      path: `/api/v1/relationships/${await newRelationship(t, serverId)}/scopes`,
      body: { network: '10.0.0.0', sourceServerId: serverId },
    }),
  },
  {
    name: 'DELETE /relationships/{id}/scopes/{network}',
    method: 'delete',
    ok: 502,
    permission: 'add-scope',
    // Needed on both servers of the relationship, not only on `serverId` (Windows runs the removal on the partner).
    rightGrant: { permissions: ['add-scope'], resource: { type: 'global' } },
    roles: SERVER_ADMIN_ROLES,
    prepare: async (t, serverId) => ({
      path: `/api/v1/relationships/${await newRelationship(t, serverId)}/scopes/10.0.0.0?serverId=${serverId}`,
    }),
  },
  // ISC failover peers: reading needs any grant on the server, changes administer-dhcp-servers. The server here is a
  // Kea one, so an allowed call gets as far as the vendor check and answers 409 (peers are ISC-only).
  ...(['/failover-peers', '/failover-peers/fo'] as const).map((suffix): Endpoint => ({
    name: `GET /servers/{id}${suffix.replace('/fo', '/{name}')}`,
    method: 'get',
    ok: 409,
    permission: 'administer-dhcp-servers',
    rightGrant: {
      permissions: ['edit-reservations'],
      resource: { type: 'scope', serverId: '$server', network: '10.1.2.0' },
    },
    roles: ALL_ROLES,
    prepare: async (_t, serverId) => ({ path: `/api/v1/servers/${serverId}${suffix}` }),
  })),
  onServer({
    name: 'POST /servers/{id}/failover-peers',
    method: 'post',
    ok: 409,
    prepare: async (_t, serverId) => ({
      path: `/api/v1/servers/${serverId}/failover-peers`,
      body: {
        name: 'fo',
        role: 'primary',
        address: '10.0.0.1',
        port: 647,
        peerAddress: '10.0.0.2',
        peerPort: 647,
        maxResponseDelay: 60,
        maxUnackedUpdates: 10,
        mclt: 3600,
        split: 128,
      },
    }),
  }),
  onServer({
    name: 'PATCH /servers/{id}/failover-peers/{name}',
    method: 'patch',
    ok: 409,
    prepare: async (_t, serverId) => ({
      path: `/api/v1/servers/${serverId}/failover-peers/fo`,
      body: { maxResponseDelay: 30 },
    }),
  }),
  onServer({
    name: 'DELETE /servers/{id}/failover-peers/{name}',
    method: 'delete',
    ok: 409,
    prepare: async (_t, serverId) => ({ path: `/api/v1/servers/${serverId}/failover-peers/fo` }),
  }),
  onServer({
    name: 'PUT /servers/{id}/scopes/{network}/failover-peer',
    method: 'put',
    ok: 409,
    prepare: async (_t, serverId) => ({
      path: `/api/v1/servers/${serverId}/scopes/10.0.0.0/failover-peer`,
      body: { name: 'fo' },
    }),
  }),
  // Jobs: a principal sees its own; administer-dhcp-servers on the whole service sees and cancels everyone's.
  {
    name: 'GET /jobs',
    method: 'get',
    ok: 200,
    roles: [],
    prepare: async () => ({ path: '/api/v1/jobs' }),
  },
  {
    name: 'GET /jobs/{id}',
    method: 'get',
    ok: 200,
    permission: 'administer-dhcp-servers',
    rightGrant: { permissions: ['administer-dhcp-servers'], resource: { type: 'global' } },
    roles: SERVER_ADMIN_ROLES,
    prepare: async (t) => ({ path: `/api/v1/jobs/${await newJob(t)}` }),
  },
  {
    name: 'POST /jobs/{id}/cancel',
    method: 'post',
    ok: 200,
    permission: 'administer-dhcp-servers',
    rightGrant: { permissions: ['administer-dhcp-servers'], resource: { type: 'global' } },
    roles: SERVER_ADMIN_ROLES,
    prepare: async (t) => ({ path: `/api/v1/jobs/${await newJob(t)}/cancel` }),
  },
  // Relationship-wide replication needs administer-dhcp-servers on both servers (a global grant covers both); the
  // job is only queued here (this app runs no workers).
  {
    name: 'POST /replications',
    method: 'post',
    ok: 202,
    permission: 'administer-dhcp-servers',
    rightGrant: { permissions: ['administer-dhcp-servers'], resource: { type: 'global' } },
    roles: SERVER_ADMIN_ROLES,
    prepare: async (t, serverId) => ({
      path: '/api/v1/replications',
      body: {
        kind: 'relationship',
        sourceServerId: serverId,
        relationshipId: await newRelationship(t, serverId),
      },
    }),
  },
];

const WHO: Who[] = [
  'noKey',
  'badKey',
  'noGrant',
  'rightGrant',
  'otherServerGrant',
  'administrators',
  'dhcpAdministrators',
  'ipamAdministrators',
];

describe('RBAC: every endpoint x every caller', () => {
  let t: TestApp;
  const keys = new Map<string, string>();

  beforeAll(async () => {
    t = await startTestApp({ worker: false });
    keys.set('noGrant', (await principalWith(t, [])).key);
    for (const role of ['administrators', 'dhcpAdministrators', 'ipamAdministrators'] as const) {
      keys.set(
        role,
        (await principalWith(t, [{ roleId: BUILT_IN[role], resource: { type: 'global' } }])).key,
      );
    }
  });
  afterAll(() => t.close());

  const cases = ENDPOINTS.flatMap((endpoint) =>
    // A grant on another server only means something for endpoints whose grant names a server.
    WHO.filter(
      (who) => who !== 'otherServerGrant' || JSON.stringify(endpoint.rightGrant ?? {}).includes('$server'),
    ).map((who) => [endpoint.name, who, endpoint] as const),
  );

  it.each(cases)('%s as %s', async (_, who, endpoint) => {
    const serverId = await registerServer(t);
    const { path, body } = await endpoint.prepare(t, serverId);
    let key: string | undefined;
    if (who === 'badKey') key = `dfm_${randomUUID()}`;
    else if (who === 'rightGrant' || who === 'otherServerGrant') {
      const target = who === 'rightGrant' ? serverId : await registerServer(t);
      const grant = JSON.parse(JSON.stringify(endpoint.rightGrant ?? {}).replaceAll('$server', target));
      key = (await principalWith(t, endpoint.rightGrant ? [grant] : [])).key;
    } else if (who !== 'noKey') key = keys.get(who);

    let call = t.http[endpoint.method](path);
    if (key) call = call.set(bearer(key));
    const response = await (body ? call.send(body) : call);

    const allowed =
      endpoint.permission === undefined || who === 'rightGrant' || (endpoint.roles as string[]).includes(who);
    if (who === 'noKey' || who === 'badKey') {
      expect(response.status).toBe(401);
    } else if (allowed) {
      expect(response.status).toBe(endpoint.ok);
    } else {
      expect(response.status).toBe(403);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({
        type: 'urn:dfm:problem:forbidden',
        missingPermission: endpoint.permission,
      });
      expect(response.body.detail).toContain(endpoint.permission);
    }
  });

  it("a relationship's scope routes refuse one holding add-scope nowhere before looking the relationship up; one holding it on a single server of the relationship cannot remove a scope", async () => {
    const unknown = randomUUID();
    const serverId = await registerServer(t);
    const noGrant = bearer(keys.get('noGrant')!);
    const refused = await t.http
      .delete(`/api/v1/relationships/${unknown}/scopes/10.0.0.0?serverId=${serverId}`)
      .set(noGrant)
      .expect(403);
    expect(refused.body).toMatchObject({ type: 'urn:dfm:problem:forbidden', missingPermission: 'add-scope' });
    await t.http
      .post(`/api/v1/relationships/${unknown}/scopes`)
      .set(noGrant)
      .send({ network: '10.0.0.0', sourceServerId: serverId })
      .expect(403);
    const onOne = await principalWith(t, [
      { permissions: ['add-scope'], resource: { type: 'server', serverId } },
    ]);
    // Holding it somewhere: an unknown relationship is a 404 as before.
    await t.http
      .delete(`/api/v1/relationships/${unknown}/scopes/10.0.0.0?serverId=${serverId}`)
      .set(bearer(onOne.key))
      .expect(404);
    const rel = await newRelationship(t, serverId);
    await t.http
      .delete(`/api/v1/relationships/${rel}/scopes/10.0.0.0?serverId=${serverId}`)
      .set(bearer(onOne.key))
      .expect(403);
  });

  it('POST /replications refuses one without the permission on the source server before looking relationships up: the answer says nothing of what exists', async () => {
    const serverId = await registerServer(t);
    const rel = await newRelationship(t, serverId);
    const unknown = randomUUID();
    const noGrant = bearer(keys.get('noGrant')!);
    // Each pair differs only in whether the relationship (or the server's membership) exists: both are refused alike.
    const asks = [
      { kind: 'relationship', sourceServerId: serverId, relationshipId: rel },
      { kind: 'relationship', sourceServerId: serverId, relationshipId: unknown },
      { kind: 'server', sourceServerId: serverId },
      { kind: 'server', sourceServerId: await registerServer(t) },
      { kind: 'scope', sourceServerId: serverId, relationshipId: rel, network: '10.0.0.0' },
      { kind: 'scope', sourceServerId: serverId, relationshipId: unknown, network: '10.0.0.0' },
    ];
    for (const body of asks) {
      const refused = await t.http.post('/api/v1/replications').set(noGrant).send(body).expect(403);
      expect(refused.body.type).toBe('urn:dfm:problem:forbidden');
    }
    // Allowed on the source: an unknown relationship is a 400 as before.
    const onSource = await principalWith(t, [
      { permissions: ['administer-dhcp-servers'], resource: { type: 'server', serverId } },
    ]);
    await t.http.post('/api/v1/replications').set(bearer(onSource.key)).send(asks[1]).expect(400);
  });

  it('GET /servers lists only the servers a principal has a grant on', async () => {
    const mine = await registerServer(t);
    const other = await registerServer(t);
    const { key } = await principalWith(t, [
      { permissions: ['add-scope'], resource: { type: 'server', serverId: mine } },
    ]);
    const listed = await t.http.get('/api/v1/servers?limit=200').set(bearer(key)).expect(200);
    const ids = listed.body.items.map((s: { id: string }) => s.id);
    expect(ids).toEqual([mine]);
    expect(ids).not.toContain(other);
    const none = await t.http
      .get('/api/v1/servers')
      .set(bearer(keys.get('noGrant')!))
      .expect(200);
    expect(none.body).toMatchObject({ items: [], total: 0 });
    await t.http.get('/api/v1/servers').expect(401);
  });

  it('POST /grants with a resource that is not an object is a 400 saying so, and grants nothing', async () => {
    const principalId = await newPrincipal(t);
    for (const resource of [[], [{ type: 'global' }], 'global', 1]) {
      const response = await t.http
        .post('/api/v1/grants')
        .set(bearer(t.adminKey))
        .send({ principalId, permissions: ['edit-reservations'], resource })
        .expect(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.type).toBe('urn:dfm:problem:validation');
      expect(response.body.errors).toContainEqual({
        field: 'resource',
        message: 'resource must be an object such as {"type": "global"}',
      });
    }
    const grants = await t.http.get(`/api/v1/grants?principalId=${principalId}`).set(bearer(t.adminKey));
    expect(grants.body.total).toBe(0);
  });

  it("a scope grant's network is the scope's network address: a CIDR is a 400 naming the address to send (a host address in it named as such), and grants nothing", async () => {
    const principalId = await newPrincipal(t);
    const serverId = await registerServer(t);
    const refusals: Array<[string, string]> = [
      [
        '10.0.0.5/24',
        "network takes the scope's network address without a prefix length; 10.0.0.5/24 is a host address in 10.0.0.0/24: send 10.0.0.0",
      ],
      [
        '10.0.0.0/24',
        "network takes the scope's network address without a prefix length: send 10.0.0.0 for 10.0.0.0/24",
      ],
      ['10.0.0.256', "network must be the scope's IPv4 network address, such as 10.1.2.0"],
    ];
    for (const [network, message] of refusals) {
      const response = await t.http
        .post('/api/v1/grants')
        .set(bearer(t.adminKey))
        .send({
          principalId,
          permissions: ['edit-reservations'],
          resource: { type: 'scope', serverId, network },
        })
        .expect(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.errors).toEqual([{ field: 'resource.network', message }]);
    }
    const grants = await t.http.get(`/api/v1/grants?principalId=${principalId}`).set(bearer(t.adminKey));
    expect(grants.body.total).toBe(0);
    // The scope routes take the same rule, with the same words.
    const path = await t.http
      .get(`/api/v1/servers/${serverId}/scopes/${encodeURIComponent('10.0.0.5/24')}`)
      .set(bearer(t.adminKey))
      .expect(400);
    expect(path.body.errors).toEqual([{ field: 'path.network', message: refusals[0][1] }]);
    await t.http
      .post('/api/v1/grants')
      .set(bearer(t.adminKey))
      .send({
        principalId,
        permissions: ['edit-reservations'],
        resource: { type: 'scope', serverId, network: '10.0.0.0' },
      })
      .expect(201);
  });

  it('POST /grants of a grant the principal has already is a 409 naming it, whatever the order of the bits', async () => {
    const principalId = await newPrincipal(t);
    const first = await t.http
      .post('/api/v1/grants')
      .set(bearer(t.adminKey))
      .send({
        principalId,
        permissions: ['edit-reservations', 'edit-exclusions'],
        resource: { type: 'global' },
      })
      .expect(201);
    const again = await t.http
      .post('/api/v1/grants')
      .set(bearer(t.adminKey))
      .send({
        principalId,
        permissions: ['edit-exclusions', 'edit-reservations'],
        resource: { type: 'global' },
      })
      .expect(409);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(again.body.existingGrantId).toBe(first.body.id);
    // Another set of bits, or another resource, is another grant.
    await t.http
      .post('/api/v1/grants')
      .set(bearer(t.adminKey))
      .send({ principalId, permissions: ['edit-exclusions'], resource: { type: 'global' } })
      .expect(201);
    const grants = await t.http.get(`/api/v1/grants?principalId=${principalId}`).set(bearer(t.adminKey));
    expect(grants.body.total).toBe(2);
  });
  it('a grant or an API key asked for while its role, server or principal is being deleted is a 400, not a 500', async () => {
    const dataSource = t.app.get(DataSource);
    const lockWaits = async (): Promise<number> =>
      (
        await dataSource.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        )
      )[0].n;
    // Holds the row as a DELETE in progress does, lets the request run into it, then deletes the row and commits.
    const whileDeleting = async (
      table: string,
      id: string,
      request: () => PromiseLike<Response>,
    ): Promise<Response> => {
      const runner = dataSource.createQueryRunner();
      await runner.connect();
      try {
        await runner.startTransaction();
        await runner.query(`SELECT id FROM ${table} WHERE id = $1 FOR UPDATE`, [id]);
        const pending = Promise.resolve(request());
        expect(await eventually(async () => (await lockWaits()) > 0)).toBe(true);
        await runner.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
        await runner.commitTransaction();
        return await pending;
      } finally {
        await runner.release();
      }
    };
    const principalId = await newPrincipal(t);
    const role = await t.http
      .post('/api/v1/roles')
      .set(bearer(t.adminKey))
      .send({ name: uniqueName('role'), permissions: ['add-scope'] })
      .expect(201);
    const grantOfRole = await whileDeleting('roles', role.body.id, () =>
      t.http
        .post('/api/v1/grants')
        .set(bearer(t.adminKey))
        .send({ principalId, roleId: role.body.id, resource: { type: 'global' } }),
    );
    expect(grantOfRole.status).toBe(400);
    expect(grantOfRole.body.errors).toEqual([
      { field: 'roleId', message: `role ${role.body.id} does not exist` },
    ]);

    const serverId = await registerServer(t);
    const grantOnServer = await whileDeleting('servers', serverId, () =>
      t.http
        .post('/api/v1/grants')
        .set(bearer(t.adminKey))
        .send({ principalId, permissions: ['add-scope'], resource: { type: 'server', serverId } }),
    );
    expect(grantOnServer.status).toBe(400);
    expect(grantOnServer.body.errors).toEqual([
      { field: 'resource.serverId', message: `server ${serverId} does not exist` },
    ]);

    const keyOwner = await newPrincipal(t);
    const key = await whileDeleting('principals', keyOwner, () =>
      t.http.post('/api/v1/api-keys').set(bearer(t.adminKey)).send({ principalId: keyOwner }),
    );
    expect(key.status).toBe(400);
    expect(key.body.errors).toEqual([
      { field: 'principalId', message: `principal ${keyOwner} does not exist` },
    ]);
    const grants = await t.http.get(`/api/v1/grants?principalId=${principalId}`).set(bearer(t.adminKey));
    expect(grants.body.total).toBe(0);
  });
});
