/**
 * Registers emulated Windows servers (windows-estate.ts) through the API the way an administrator registers real
 * ones: OpenSSH host, port, user, key and the pinned host key; the address is the one the partner knows it by.
 */
import { uniqueName } from '../fixtures.js';
import { bearer, type TestApp } from '../test-app.js';
import type { WindowsEstate, WindowsServer } from './windows-estate.js';

export function windowsBody(
  server: WindowsServer,
  connection: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name: uniqueName(`win-${server.name.toLowerCase()}`),
    vendor: 'windows',
    address: server.host,
    connection: {
      host: server.host,
      port: server.port,
      username: server.user,
      privateKey: server.privateKey,
      hostKeyFingerprint: server.hostKeyFingerprint,
      ...connection,
    },
  };
}

/** Registers each named server of the estate; returns their ids by name. */
export async function registerWindows(
  t: TestApp,
  estate: WindowsEstate,
  names: string[],
): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const name of names) {
    const response = await t.http
      .post('/api/v1/servers')
      .set(bearer(t.adminKey))
      .send(windowsBody(estate.server(name)))
      .expect(201);
    ids[name] = response.body.id as string;
  }
  return ids;
}
