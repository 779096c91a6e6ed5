import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { keaServerBody } from '../support/fixtures.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

describe('Idempotency-Key on creating POSTs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(() => t.close());

  const count = async (name: string): Promise<number> =>
    (
      await t.app
        .get(DataSource)
        .query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM servers WHERE name = $1', [name])
    )[0].n;

  it('a retry with the same key and body gets the first answer and changes nothing more', async () => {
    const body = keaServerBody();
    const first = await t.http
      .post('/api/v1/servers')
      .set(bearer(t.adminKey))
      .set('Idempotency-Key', 'pipeline-run-1')
      .send(body)
      .expect(201);
    const retry = await t.http
      .post('/api/v1/servers')
      .set(bearer(t.adminKey))
      .set('Idempotency-Key', 'pipeline-run-1')
      .send(body)
      .expect(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['location']).toBe(first.headers['location']);
    expect(retry.headers['etag']).toBe(first.headers['etag']);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await count(body['name'] as string)).toBe(1);
  });

  it('the same key with another body is refused with 422, and nothing is written', async () => {
    const body = keaServerBody();
    await t.http
      .post('/api/v1/servers')
      .set(bearer(t.adminKey))
      .set('Idempotency-Key', 'k-2')
      .send(body)
      .expect(201);
    const other = keaServerBody();
    const refused = await t.http
      .post('/api/v1/servers')
      .set(bearer(t.adminKey))
      .set('Idempotency-Key', 'k-2')
      .send(other)
      .expect(422);
    expect(refused.body.type).toBe('urn:dfm:problem:idempotency-key-reused');
    expect(await count(other['name'] as string)).toBe(0);
  });

  it("the stored digest of a body holding a server's password cannot be tested against guesses", async () => {
    const body = keaServerBody();
    await t.http
      .post('/api/v1/servers')
      .set(bearer(t.adminKey))
      .set('Idempotency-Key', 'with-password')
      .send(body)
      .expect(201);
    const [record] = await t.app
      .get(DataSource)
      .query<Array<{ request_digest: string }>>(
        `SELECT request_digest FROM idempotency_records WHERE key = 'with-password'`,
      );
    // Everything else in the body can be read back from the server's row; a plain hash would confirm a guess.
    expect(record.request_digest).not.toBe(createHash('sha256').update(JSON.stringify(body)).digest('hex'));
    // Still a digest of the whole body: another password under the same key is another request.
    const connection = { ...(body['connection'] as Record<string, unknown>), password: 'another' };
    await t.http
      .post('/api/v1/servers')
      .set(bearer(t.adminKey))
      .set('Idempotency-Key', 'with-password')
      .send({ ...body, connection })
      .expect(422);
  });

  it('retries sent together of a request that fails each get its answer, never a 500', async () => {
    // The first to claim the key fails (400) and frees it; a retry that found it claimed then read nothing (500).
    for (let round = 0; round < 10; round++) {
      const body = keaServerBody({ address: 'not an address!' });
      const answers = await Promise.all(
        [0, 1, 2].map(() =>
          t.http
            .post('/api/v1/servers')
            .set(bearer(t.adminKey))
            .set('Idempotency-Key', `failing-${round}`)
            .send(body),
        ),
      );
      for (const answer of answers) {
        expect({ round, status: answer.status }).toEqual({
          round,
          status: answer.status === 409 ? 409 : 400,
        });
        expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    }
  });

  it('a failed request frees its key, and a malformed key is a 400', async () => {
    const body = keaServerBody();
    await t.http
      .post('/api/v1/servers')
      .set(bearer(t.adminKey))
      .set('Idempotency-Key', 'k-3')
      .send({ ...body, vendor: 'bad' })
      .expect(400);
    await t.http
      .post('/api/v1/servers')
      .set(bearer(t.adminKey))
      .set('Idempotency-Key', 'k-3')
      .send(body)
      .expect(201);
    const malformed = await t.http
      .post('/api/v1/servers')
      .set(bearer(t.adminKey))
      .set('Idempotency-Key', 'has space')
      .send(keaServerBody())
      .expect(400);
    expect(malformed.body.errors[0].field).toBe('header.Idempotency-Key');
  });

  it('keys belong to their principal: another principal using the same key makes its own request', async () => {
    const { principalWith } = await import('../support/fixtures.js');
    const other = await principalWith(t, [
      { permissions: ['administer-dhcp-servers'], resource: { type: 'global' } },
    ]);
    const a = keaServerBody();
    const b = keaServerBody();
    await t.http
      .post('/api/v1/servers')
      .set(bearer(t.adminKey))
      .set('Idempotency-Key', 'shared')
      .send(a)
      .expect(201);
    const response = await t.http
      .post('/api/v1/servers')
      .set(bearer(other.key))
      .set('Idempotency-Key', 'shared')
      .send(b)
      .expect(201);
    expect(response.headers['idempotent-replayed']).toBeUndefined();
    expect(await count(b['name'] as string)).toBe(1);
  });
});
