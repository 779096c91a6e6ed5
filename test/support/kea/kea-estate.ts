import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'supertest';
import { uniqueName } from '../fixtures.js';
import { bearer, type TestApp } from '../test-app.js';
import { type KeaServer, startKeaServer } from './kea-server.js';

export const KEA_AUTH = { username: 'dfm-api', password: 'kea-agent-secret' };
/** Short heartbeats so a pair settles in seconds (Kea's default of 10 s takes ~40 s). */
export const FAST_HA = {
  heartbeatDelay: 1000,
  maxResponseDelay: 3000,
  maxAckDelay: 1000,
  maxUnackedClients: 0,
};

const ROLES = {
  'hot-standby': 'standby',
  'load-balancing': 'secondary',
  'passive-backup': 'backup',
} as const;

/** Real Kea servers for one test file, registered in the test app, and the relationship requests tests make. */
export class KeaEstate {
  private readonly servers: KeaServer[] = [];

  constructor(private readonly t: TestApp) {}

  async start(options: { auth?: boolean } = {}): Promise<KeaServer> {
    const server = await startKeaServer({
      name: uniqueName('kea'),
      ...(options.auth === false ? {} : { auth: KEA_AUTH }),
    });
    this.servers.push(server);
    return server;
  }

  /** Registers `server` (its agent URL and credentials; `connection` overrides). */
  async register(server: KeaServer, connection: Record<string, unknown> = {}): Promise<string> {
    const response = await this.t.http
      .post('/api/v1/servers')
      .set(bearer(this.t.adminKey))
      .send({
        name: server.name,
        vendor: 'kea',
        address: server.host,
        connection: { url: server.caUrl, ...(server.auth ? KEA_AUTH : {}), ...connection },
      })
      .expect(201);
    return response.body.id as string;
  }

  /** POST /relationships for `primary` and `partner` (the partner's role follows the mode). */
  createRelationship(
    primary: string,
    partner: string,
    options: { mode?: keyof typeof ROLES; settings?: Record<string, unknown>; name?: string } = {},
  ): Promise<Response> {
    const mode = options.mode ?? 'hot-standby';
    return this.t.http
      .post('/api/v1/relationships')
      .set(bearer(this.t.adminKey))
      .send({
        name: options.name ?? uniqueName('rel'),
        vendor: 'kea',
        mode,
        servers: [
          { serverId: primary, role: 'primary' },
          { serverId: partner, role: ROLES[mode] },
        ],
        settings: options.settings ?? FAST_HA,
      });
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.stop()));
  }
}

/**
 * A deliberately misbehaving agent: an HTTP front for a real one that forwards every command, after `before`
 * (which may act on the real server, e.g. edit it), unless `before` returns an answer to give instead.
 */
export async function agentInFront(
  server: KeaServer,
  before: (command: string) => Promise<{ result: number; text: string } | undefined>,
): Promise<{ url: string; close(): Promise<void> }> {
  const proxy = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const command = (JSON.parse(body.toString()) as { command?: string }).command ?? '';
      const answer = async (): Promise<void> => {
        const replaced = await before(command);
        if (replaced) {
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([replaced]));
          return;
        }
        const upstream = await fetch(server.caUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: request.headers.authorization ?? '' },
          body,
        });
        response
          .writeHead(upstream.status, { 'content-type': 'application/json' })
          .end(await upstream.text());
      };
      answer().catch(() => response.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, server.host, resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://${server.host}:${port}/`,
    close: () => new Promise<void>((resolve) => proxy.close(() => resolve())),
  };
}
