import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SecretBox } from '../../src/common/crypto/secret-box.js';
import { sealSecrets } from '../../src/servers/server-secrets.js';
import { SecretRotationService } from '../../src/servers/secret-rotation.service.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';
import { keaServerBody, registerServer } from '../support/fixtures.js';

describe('ENCRYPTION_KEY rotation (ENCRYPTION_KEY_PREVIOUS)', () => {
  const oldKey = randomBytes(32);
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false, previousEncryptionKeys: [oldKey] });
  });
  afterAll(() => t.close());

  const sealed = async (id: string): Promise<string> =>
    (
      await t.app
        .get(DataSource)
        .query<Array<{ s: string }>>('SELECT sealed_secrets AS s FROM servers WHERE id = $1', [id])
    )[0].s;
  /** Stores `id`'s password as a service running with `key` would have sealed it. */
  const storeUnder = (key: Buffer, id: string): Promise<unknown> =>
    t.app
      .get(DataSource)
      .query('UPDATE servers SET sealed_secrets = $1 WHERE id = $2', [
        sealSecrets(new SecretBox(key), id, { password: 'kea-secret-password' }),
        id,
      ]);
  /** A change that keeps the stored password, so the service must open it. */
  const patchKeepingPassword = (id: string) =>
    t.http
      .patch(`/api/v1/servers/${id}`)
      .set(bearer(t.adminKey))
      .send({ connection: { username: 'kea-api-2' } });

  it('opens credentials an earlier key sealed, reseals them under the current key, and audits it', async () => {
    const rotated = await registerServer(t, keaServerBody());
    const lost = await registerServer(t, keaServerBody());
    const current = await registerServer(t, keaServerBody());
    await storeUnder(oldKey, rotated);
    await storeUnder(randomBytes(32), lost);
    const currentBlob = await sealed(current);

    // Before the rotation runs, what the earlier key sealed opens all the same.
    expect((await patchKeepingPassword(rotated)).status).toBe(200);
    await storeUnder(oldKey, rotated);

    const report = await t.app.get(SecretRotationService).rotate();
    expect(report).toEqual({ resealed: 1, unreadable: [`server ${lost}`] });
    // Sealed with the current key alone now: the earlier key no longer opens it, and the password is unchanged.
    const resealed = await sealed(rotated);
    expect(() => new SecretBox(oldKey).open(resealed, `server:${rotated}`)).toThrow();
    expect(await sealed(current)).toBe(currentBlob);
    const events = await t.http
      .get(`/api/v1/audit-events?action=server.credentials-resealed`)
      .set(bearer(t.adminKey))
      .expect(200);
    expect(events.body.items.map((event: { targetId: string }) => event.targetId)).toEqual([rotated]);
    expect(JSON.stringify(events.body)).not.toContain('kea-secret-password');

    // Done once: a second run (another instance starting) finds nothing to do.
    expect(await t.app.get(SecretRotationService).rotate()).toEqual({
      resealed: 0,
      unreadable: [`server ${lost}`],
    });
    expect((await patchKeepingPassword(rotated)).status).toBe(200);
    // A key nobody configured still says what to do.
    const refused = await patchKeepingPassword(lost);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('ENCRYPTION_KEY');
  });
});
