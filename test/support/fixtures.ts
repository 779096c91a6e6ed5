import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { RelationshipEntity } from '../../src/relationships/relationship.entity.js';
import type { TestApp } from './test-app.js';
import { bearer } from './test-app.js';

export const BUILT_IN = {
  administrators: '00000000-0000-4000-8000-000000000001',
  dhcpAdministrators: '00000000-0000-4000-8000-000000000002',
  ipamAdministrators: '00000000-0000-4000-8000-000000000003',
} as const;

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A principal with a key and the given grants (each a POST /grants body without principalId). */
export async function principalWith(
  t: TestApp,
  grants: Array<Record<string, unknown>>,
): Promise<{ id: string; key: string }> {
  const principal = await t.http
    .post('/api/v1/principals')
    .set(bearer(t.adminKey))
    .send({ name: uniqueName('p'), kind: 'service' })
    .expect(201);
  for (const grant of grants) {
    await t.http
      .post('/api/v1/grants')
      .set(bearer(t.adminKey))
      .send({ principalId: principal.body.id, ...grant })
      .expect(201);
  }
  const key = await t.http
    .post('/api/v1/api-keys')
    .set(bearer(t.adminKey))
    .send({ principalId: principal.body.id })
    .expect(201);
  return { id: principal.body.id as string, key: key.body.key as string };
}

export function keaServerBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: uniqueName('kea'),
    vendor: 'kea',
    address: '127.0.0.1',
    // Port 9 (discard) on loopback: nothing answers, so a connection test fails fast.
    connection: { url: 'http://127.0.0.1:9/', username: 'kea-api', password: 'kea-secret-password' },
    ...overrides,
  };
}

export async function registerServer(t: TestApp, body = keaServerBody()): Promise<string> {
  const response = await t.http.post('/api/v1/servers').set(bearer(t.adminKey)).send(body).expect(201);
  return response.body.id as string;
}

/**
 * A managed Kea hot-standby relationship between two registered servers, saved as a record only (the fixtures' servers
 * answer nothing, so POST /relationships could not write it to them).
 */
export function saveRelationshipRecord(
  t: TestApp,
  serverIds: readonly [string, string],
  name = uniqueName('rel'),
): Promise<RelationshipEntity> {
  return t.app
    .get(DataSource)
    .getRepository(RelationshipEntity)
    .save({
      name,
      vendor: 'kea',
      mode: 'hot-standby',
      settings: {},
      status: 'normal',
      statusCheckedAt: null,
      discovered: false,
      servers: serverIds.map((serverId, position) => ({
        serverId,
        role: position === 0 ? 'primary' : 'standby',
        position,
        peerName: `peer${position}`,
        settings: {},
      })),
    });
}
