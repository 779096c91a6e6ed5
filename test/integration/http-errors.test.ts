import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { keaServerBody } from '../support/fixtures.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

describe('HTTP errors are problem+json', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(() => t.close());

  const expectProblem = (
    response: { headers: Record<string, string>; body: Record<string, unknown> },
    type: string,
  ): void => {
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ type, requestId: response.headers['x-request-id'] });
    expect(typeof response.body['detail']).toBe('string');
  };

  it('404 for an unknown route', async () => {
    expectProblem(
      await t.http.get('/api/v1/nothing-here').set(bearer(t.adminKey)).expect(404),
      'urn:dfm:problem:not-found',
    );
  });

  it('405 with Allow for a known path and another method', async () => {
    const response = await t.http.put('/api/v1/servers').set(bearer(t.adminKey)).send({}).expect(405);
    expectProblem(response, 'urn:dfm:problem:method-not-allowed');
    expect(response.headers['allow']).toBe('GET, POST');
  });

  it('405 names only the methods really served, outside the API too; a path with none is a 404', async () => {
    // The metrics middleware is mounted on every path for every method: that says nothing about what is served.
    const health = await t.http.delete('/health').expect(405);
    expectProblem(health, 'urn:dfm:problem:method-not-allowed');
    expect(health.headers['allow']).toBe('GET');
    expect((await t.http.post('/metrics').expect(405)).headers['allow']).toBe('GET');
    expectProblem(
      await t.http.get('/api/v1').set(bearer(t.adminKey)).expect(404),
      'urn:dfm:problem:not-found',
    );
  });

  it('404 problem+json for an unknown path outside /api/v1 too (no HTML page)', async () => {
    for (const path of ['/', '/api/v2/servers', '/health/x']) {
      const response = await t.http.get(path).set(bearer(t.adminKey)).expect(404);
      expectProblem(response, 'urn:dfm:problem:not-found');
      expect(response.body.instance).toBe(path);
    }
  });

  it('413 for a body over 1 MiB', async () => {
    const response = await t.http
      .post('/api/v1/principals')
      .set(bearer(t.adminKey))
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ name: 'x', kind: 'user', description: 'y'.repeat(1_100_000) }))
      .expect(413);
    expectProblem(response, 'urn:dfm:problem:payload-too-large');
  });

  it('431 problem+json for a request line or headers over the limit, 400 for a request that is not HTTP', async () => {
    // Node answers these itself, before any route: a status line and nothing else, unless told otherwise.
    const long = await t.http
      .get(`/api/v1/servers?name=${'a'.repeat(20_000)}`)
      .set(bearer(t.adminKey))
      .expect(431);
    expect(long.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(long.body).toMatchObject({
      type: 'urn:dfm:problem:request-header-too-large',
      status: 431,
      requestId: long.headers['x-request-id'],
    });
    expect(long.body.detail).toContain('16384 bytes');
    const server = t.app.getHttpServer() as Server;
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1', () =>
        socket.write('GET /api/v1/servers HTTP/1.1\r\nHost: x\r\nContent-Length: many\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(raw).toContain('Content-Type: application/problem+json');
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({
      type: 'urn:dfm:problem:bad-request',
      status: 400,
    });
  });

  it('400 for a body nested deeper than any request needs (was a 500: the checks recursed past the stack)', async () => {
    const depth = 100_000;
    const response = await t.http
      .post('/api/v1/principals')
      .set(bearer(t.adminKey))
      .set('Content-Type', 'application/json')
      .send(`{"name":"deep","kind":"user","description":${'['.repeat(depth)}${']'.repeat(depth)}}`)
      .expect(400);
    expectProblem(response, 'urn:dfm:problem:bad-request');
    expect(response.body.detail).toBe('The body nests deeper than 32 levels of objects and arrays.');
    await t.http.get('/api/v1/principals?name=deep').set(bearer(t.adminKey)).expect(200, {
      items: [],
      total: 0,
      limit: 50,
      offset: 0,
    });
  });

  it('400 for an object with more members than any request has, before validation (whose time grew with their square)', async () => {
    const members = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, 1]));
    const response = await t.http
      .post('/api/v1/principals')
      .set(bearer(t.adminKey))
      .send({ name: 'wide', kind: 'user', ...members })
      .expect(400);
    expectProblem(response, 'urn:dfm:problem:bad-request');
    expect(response.body.detail).toBe('An object in the body has more than 1000 members.');
    expect(response.body.errors).toBeUndefined();
  });

  it('415 for a body that is not JSON', async () => {
    const response = await t.http
      .post('/api/v1/principals')
      .set(bearer(t.adminKey))
      .set('Content-Type', 'text/plain')
      .send('name=x')
      .expect(415);
    expectProblem(response, 'urn:dfm:problem:unsupported-media-type');
  });

  it('400 for malformed JSON and for bad query parameters', async () => {
    const malformed = await t.http
      .post('/api/v1/principals')
      .set(bearer(t.adminKey))
      .set('Content-Type', 'application/json')
      .send('{"name": ')
      .expect(400);
    expectProblem(malformed, 'urn:dfm:problem:bad-request');
    expect(malformed.body.detail).toBe('The body is not valid JSON.');
    // Valid JSON that is not an object says so, instead of "not valid JSON" or an unknown field "0".
    for (const [body, kind] of [
      ['"abc"', 'a string'],
      ['null', 'null'],
      ['42', 'a number'],
      ['[{"name": "x"}]', 'an array'],
    ]) {
      const notObject = await t.http
        .post('/api/v1/principals')
        .set(bearer(t.adminKey))
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(400);
      expectProblem(notObject, 'urn:dfm:problem:bad-request');
      expect(notObject.body.detail).toBe(`The body must be a JSON object, not ${kind}.`);
    }
    const query = await t.http
      .get('/api/v1/principals?limit=0&kind=robot&extra=1')
      .set(bearer(t.adminKey))
      .expect(400);
    expectProblem(query, 'urn:dfm:problem:validation');
    const fields = (query.body.errors as Array<{ field: string }>).map((e) => e.field).sort();
    expect(fields).toEqual(['extra', 'kind', 'limit']);
  });

  it('400 saying "must be an array" for a list sent as a string or an object, not claims about its elements', async () => {
    const principal = await t.http
      .post('/api/v1/principals')
      .set(bearer(t.adminKey))
      .send({ name: 'array-probe', kind: 'user' })
      .expect(201);
    const attempts: Array<[string, Record<string, unknown>]> = [
      ['/api/v1/roles', { name: 'array-probe-role', permissions: 'add-scope' }],
      ['/api/v1/roles', { name: 'array-probe-role', permissions: { 0: 'add-scope' } }],
      [
        '/api/v1/grants',
        { principalId: principal.body.id, permissions: 'add-scope', resource: { type: 'global' } },
      ],
    ];
    for (const [path, body] of attempts) {
      const refused = await t.http.post(path).set(bearer(t.adminKey)).send(body).expect(400);
      expectProblem(refused, 'urn:dfm:problem:validation');
      expect(refused.body.errors).toEqual([
        { field: 'permissions', message: 'permissions must be an array such as ["add-scope"]' },
      ]);
    }
    await t.http
      .get(`/api/v1/grants?principalId=${principal.body.id as string}`)
      .set(bearer(t.adminKey))
      .expect(200)
      .expect(({ body }) => expect(body.total).toBe(0));
  });

  it('400 naming the field for a NUL character (U+0000) in the body or the query, and nothing is written', async () => {
    const before = (await t.http.get('/api/v1/principals').set(bearer(t.adminKey)).expect(200)).body.total;
    const body = await t.http
      .post('/api/v1/principals')
      .set(bearer(t.adminKey))
      .send({ name: 'nul-probe', kind: 'user', description: 'a\u0000b' })
      .expect(400);
    expectProblem(body, 'urn:dfm:problem:validation');
    expect(body.body.errors).toEqual([
      { field: 'description', message: 'description must not contain the NUL character (\\u0000)' },
    ]);
    const nested = await t.http
      .post('/api/v1/relationships')
      .set(bearer(t.adminKey))
      .send({ name: 'x', servers: [{}, { settings: { sharedSecret: '\u0000' } }] })
      .expect(400);
    expect(nested.body.errors).toEqual([
      {
        field: 'servers[1].settings.sharedSecret',
        message: 'servers[1].settings.sharedSecret must not contain the NUL character (\\u0000)',
      },
    ]);
    const query = await t.http.get('/api/v1/principals?name=%00').set(bearer(t.adminKey)).expect(400);
    expectProblem(query, 'urn:dfm:problem:validation');
    expect(query.body.errors).toEqual([
      { field: 'name', message: 'name must not contain the NUL character (\\u0000)' },
    ]);
    expect((await t.http.get('/api/v1/principals').set(bearer(t.adminKey)).expect(200)).body.total).toBe(
      before,
    );
  });

  it('400 for a time before year 1 in since/until (beyond PostgreSQL), or until not after since, on audit events and jobs', async () => {
    for (const list of ['/api/v1/audit-events', '/api/v1/jobs']) {
      for (const field of ['since', 'until']) {
        const response = await t.http
          .get(`${list}?${field}=-010000-01-01T00:00:00Z`)
          .set(bearer(t.adminKey))
          .expect(400);
        expectProblem(response, 'urn:dfm:problem:validation');
        expect(response.body.errors).toEqual([{ field, message: `${field} must be in year 1 or later` }]);
      }
      await t.http.get(`${list}?since=0001-01-01T00:00:00Z`).set(bearer(t.adminKey)).expect(200);
      // An offset's `+` typed unencoded arrives as a space, and is read as the `+` it was.
      await t.http.get(`${list}?since=2026-11-01T10:00:00+05:30`).set(bearer(t.adminKey)).expect(200);
      // A window that ends before (or when) it starts is the caller's mistake, not an empty list.
      const backwards = await t.http
        .get(`${list}?since=2026-11-02T00:00:00Z&until=2026-11-01T00:00:00Z`)
        .set(bearer(t.adminKey))
        .expect(400);
      expect(backwards.body.errors).toEqual([{ field: 'until', message: 'until must be after since' }]);
      await t.http
        .get(`${list}?since=2026-11-01T00:00:00Z&until=2026-11-02T00:00:00Z`)
        .set(bearer(t.adminKey))
        .expect(200);
    }
  });

  it('400 for a query parameter an operation does not take, with or without query parameters of its own', async () => {
    const server = await t.http
      .post('/api/v1/servers')
      .set(bearer(t.adminKey))
      .send(keaServerBody())
      .expect(201);
    const id = server.body.id as string;
    const none = await t.http.get(`/api/v1/servers/${id}?vendr=isc&x=1`).set(bearer(t.adminKey)).expect(400);
    expectProblem(none, 'urn:dfm:problem:validation');
    expect(none.body.errors).toEqual([
      { field: 'vendr', message: 'unknown query parameter "vendr": this operation takes none; remove it' },
      { field: 'x', message: 'unknown query parameter "x": this operation takes none; remove it' },
    ]);
    // Express matches paths without regard to case: so does the check.
    await t.http.get(`/API/V1/servers/${id}?x=1`).set(bearer(t.adminKey)).expect(400);
    // Authentication comes first, as for every other validation.
    await t.http.get(`/api/v1/servers/${id}?vendr=isc`).expect(401);
    const some = await t.http.get('/api/v1/servers?vendr=isc').set(bearer(t.adminKey)).expect(400);
    expect(some.body.errors).toEqual([{ field: 'vendr', message: 'unknown field "vendr"; remove it' }]);
    await t.http.get(`/api/v1/servers/${id}`).set(bearer(t.adminKey)).expect(200);
    await t.http.get('/health?probe=1').expect(200);
  });

  it('400 for a body an operation does not take (its fields would be ignored), and nothing is done', async () => {
    const principal = await t.http
      .post('/api/v1/principals')
      .set(bearer(t.adminKey))
      .send({ name: 'body-probe', kind: 'user' })
      .expect(201);
    const id = principal.body.id as string;
    const deleted = await t.http
      .delete(`/api/v1/principals/${id}`)
      .set(bearer(t.adminKey))
      .send({ reason: 'left', force: true })
      .expect(400);
    expectProblem(deleted, 'urn:dfm:problem:validation');
    expect(deleted.body.errors).toEqual([
      { field: 'reason', message: 'unknown field "reason": this operation takes no body; remove it' },
      { field: 'force', message: 'unknown field "force": this operation takes no body; remove it' },
    ]);
    await t.http.get(`/api/v1/principals/${id}`).set(bearer(t.adminKey)).expect(200);
    const server = await t.http
      .post('/api/v1/servers')
      .set(bearer(t.adminKey))
      .send(keaServerBody())
      .expect(201);
    const tested = await t.http
      .post(`/api/v1/servers/${server.body.id as string}/connection-test`)
      .set(bearer(t.adminKey))
      .send({ timeoutMs: 100 })
      .expect(400);
    expect(tested.body.errors).toEqual([
      { field: 'timeoutMs', message: 'unknown field "timeoutMs": this operation takes no body; remove it' },
    ]);
    // An empty object is no body: clients that always send one are fine.
    await t.http.delete(`/api/v1/principals/${id}`).set(bearer(t.adminKey)).send({}).expect(204);
    // Authentication and permissions come first, as for every other validation.
    await t.http.delete(`/api/v1/principals/${id}`).send({ force: true }).expect(401);
  });

  it('keeps a sane caller X-Request-Id and replaces an unsafe one', async () => {
    const kept = await t.http.get('/api/v1/servers').set('X-Request-Id', 'pipeline-42.step-3').expect(401);
    expect(kept.headers['x-request-id']).toBe('pipeline-42.step-3');
    expect(kept.body.requestId).toBe('pipeline-42.step-3');
    const replaced = await t.http.get('/api/v1/servers').set('X-Request-Id', 'bad id\twith tab').expect(401);
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves Swagger UI, the OpenAPI document, health and metrics without a key', async () => {
    const ui = await t.http.get('/docs').redirects(1).expect(200);
    expect(ui.text).toContain('swagger');
    const doc = await t.http.get('/docs/openapi.json').expect(200);
    expect(doc.body.paths['/api/v1/servers']).toBeDefined();
    const health = await t.http.get('/health').expect(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, queue: { status: 'up' } },
    });
    await t.http.get('/api/v1/principals').set(bearer(t.adminKey)).expect(200);
    const metrics = await t.http.get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/principals",status_code="200"\} [1-9]/,
    );
    expect(metrics.text).toContain('process_cpu_user_seconds_total');
    expect(metrics.text).toContain('# TYPE dfm_jobs_total counter');
  });
});
