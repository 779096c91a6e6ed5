import { JobRecordsService } from '../../src/jobs/job-records.service.js';
import { generateOpenApiDocument } from '../../src/openapi/preview-app.js';
import { principalWith, registerServer, saveRelationshipRecord, uniqueName } from '../support/fixtures.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

interface Operation {
  parameters?: Array<{ name: string; in: string }>;
  responses: Record<string, unknown>;
}

/** A GET whose answer carries an ETag answers 304 to If-None-Match with it, and the OpenAPI document says so. */
describe('conditional reads (If-None-Match, 304)', () => {
  let t: TestApp;
  let paths: Record<string, Record<string, Operation>>;
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
    paths = ((await generateOpenApiDocument()) as { paths: typeof paths }).paths;
  });
  afterAll(() => t.close());

  const documents304 = (path: string): boolean => {
    const operation = paths[path]?.['get'];
    return (
      operation?.responses['304'] !== undefined &&
      (operation.parameters ?? []).some((p) => p.in === 'header' && p.name === 'If-None-Match')
    );
  };

  const post = async (path: string, body: Record<string, unknown>): Promise<string> =>
    (await t.http.post(path).set(bearer(t.adminKey)).send(body).expect(201)).body.id as string;

  const routes: Array<[string, (t: TestApp) => Promise<string>]> = [
    ['/api/v1/servers/{id}', async () => `/api/v1/servers/${await registerServer(t)}`],
    [
      '/api/v1/principals/{id}',
      async () =>
        `/api/v1/principals/${await post('/api/v1/principals', { name: uniqueName('p'), kind: 'user' })}`,
    ],
    [
      '/api/v1/api-keys/{id}',
      async () => {
        const principalId = await post('/api/v1/principals', { name: uniqueName('p'), kind: 'user' });
        return `/api/v1/api-keys/${await post('/api/v1/api-keys', { principalId })}`;
      },
    ],
    [
      '/api/v1/roles/{id}',
      async () =>
        `/api/v1/roles/${await post('/api/v1/roles', { name: uniqueName('r'), permissions: ['add-scope'] })}`,
    ],
    [
      '/api/v1/grants/{id}',
      async () => {
        const principalId = await post('/api/v1/principals', { name: uniqueName('p'), kind: 'user' });
        return `/api/v1/grants/${await post('/api/v1/grants', { principalId, permissions: ['add-scope'], resource: { type: 'global' } })}`;
      },
    ],
    [
      '/api/v1/relationships/{id}',
      async () => {
        const [a, b] = [await registerServer(t), await registerServer(t)];
        const saved = await saveRelationshipRecord(t, [a, b]);
        return `/api/v1/relationships/${saved.id}`;
      },
    ],
    [
      '/api/v1/jobs/{id}',
      async () => {
        const { record } = await t.app
          .get(JobRecordsService)
          .enqueue({ queue: 'conditional-probe', name: 'noop', request: {}, requestedBy: null });
        return `/api/v1/jobs/${record.id}`;
      },
    ],
  ];

  it.each(routes)('GET %s answers 304 to its own ETag, and documents it', async (documented, prepare) => {
    const path = await prepare(t);
    const first = await t.http.get(path).set(bearer(t.adminKey)).expect(200);
    const etag = first.headers['etag'];
    expect(etag).toMatch(/^"/);
    const again = await t.http.get(path).set(bearer(t.adminKey)).set('If-None-Match', etag).expect(304);
    expect(again.headers['etag']).toBe(etag);
    expect(again.text ?? '').toBe('');
    await t.http.get(path).set(bearer(t.adminKey)).set('If-None-Match', '"0"').expect(200);
    expect(documents304(documented)).toBe(true);
  });

  it('the document shows 304 on every read that answers it: the reads by id above and ISC failover peers, nothing else', () => {
    const documented = Object.keys(paths).filter(documents304).sort();
    expect(documented).toEqual(
      [...routes.map(([path]) => path), '/api/v1/servers/{id}/failover-peers/{name}'].sort(),
    );
  });

  it("an API key's ETag changes when its use sets lastUsedAt: the ETag read before its first use is not answered 304", async () => {
    const caller = await principalWith(t, []);
    const keys = await t.http
      .get(`/api/v1/api-keys?principalId=${caller.id}`)
      .set(bearer(t.adminKey))
      .expect(200);
    const keyId = keys.body.items[0].id as string;
    // principalWith made the key and never used it.
    const before = await t.http.get(`/api/v1/api-keys/${keyId}`).set(bearer(t.adminKey)).expect(200);
    expect(before.body.lastUsedAt).toBeNull();
    await t.http.get('/api/v1/servers').set(bearer(caller.key)).expect(200);
    const after = await t.http
      .get(`/api/v1/api-keys/${keyId}`)
      .set(bearer(t.adminKey))
      .set('If-None-Match', before.headers['etag'])
      .expect(200);
    expect(after.body.lastUsedAt).not.toBeNull();
    expect(after.headers['etag']).not.toBe(before.headers['etag']);
  });
});

/** A precondition a caller sends is evaluated, or refused: never ignored (the change would go through unchecked). */
describe('conditional changes (If-Match)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(() => t.close());

  it('DELETE /relationships/{id} with a stale If-Match is a 412 and the relationship stays', async () => {
    const saved = await saveRelationshipRecord(t, [await registerServer(t), await registerServer(t)]);
    const path = `/api/v1/relationships/${saved.id}`;
    const read = await t.http.get(path).set(bearer(t.adminKey)).expect(200);
    const stale = await t.http.delete(path).set(bearer(t.adminKey)).set('If-Match', '"0"').expect(412);
    expect(stale.body.type).toBe('urn:dfm:problem:precondition-failed');
    await t.http.get(path).set(bearer(t.adminKey)).set('If-None-Match', read.headers['etag']).expect(304);
    // The ETag read passes the check: the removal goes on (here to Kea agents that do not answer: a 502).
    await t.http.delete(path).set(bearer(t.adminKey)).set('If-Match', read.headers['etag']).expect(502);
  });

  it('an operation that does not evaluate If-Match refuses it with a 400 naming the header, and does nothing', async () => {
    const serverId = await registerServer(t);
    const saved = await saveRelationshipRecord(t, [serverId, await registerServer(t)]);
    const refused = await t.http
      .post(`/api/v1/relationships/${saved.id}/scopes`)
      .set(bearer(t.adminKey))
      .set('If-Match', '"1"')
      .send({ network: '10.0.0.0', sourceServerId: serverId })
      .expect(400);
    expect(refused.body).toMatchObject({
      type: 'urn:dfm:problem:validation',
      errors: [
        {
          field: 'header.If-Match',
          message: 'this operation does not evaluate If-Match (its change would not be checked); remove it',
        },
      ],
    });
    const { record } = await t.app
      .get(JobRecordsService)
      .enqueue({ queue: 'if-match-probe', name: 'noop', request: {}, requestedBy: null });
    await t.http
      .post(`/api/v1/jobs/${record.id}/cancel`)
      .set(bearer(t.adminKey))
      .set('If-Match', '"1"')
      .expect(400);
    const job = await t.http.get(`/api/v1/jobs/${record.id}`).set(bearer(t.adminKey)).expect(200);
    expect(job.body.state).toBe('queued');
  });
});
