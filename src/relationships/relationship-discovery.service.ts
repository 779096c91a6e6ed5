import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ServerEntity } from '../servers/server.entity.js';
import { ServersService } from '../servers/servers.service.js';
import type { DiscoveredFailover, ServerTarget } from '../vendors/driver.js';
import { DriverError } from '../vendors/driver-error.js';
import { DriverRegistry } from '../vendors/driver-registry.js';
import { RelationshipEntity } from './relationship.entity.js';
import { RelationshipServerEntity } from './relationship-server.entity.js';

/** How many servers are asked at once. */
const CONCURRENCY = 4;
const DISCOVERY_LOCK_KEY = 0x0dfc_0003;

const pairKey = (serverIds: string[]): string => [...serverIds].sort().join('+');

interface Found {
  target: ServerTarget;
  failover: DiscoveredFailover;
}

/**
 * Finds failover relationships configured on registered servers outside this service: a pair is two registered
 * servers whose configurations name each other (Kea: each one's HA peers point at the other's Control Agent). Such a
 * pair is recorded as `discovered` so it is listed and can be adopted; servers already in an adopted relationship
 * are not asked.
 */
@Injectable()
export class RelationshipDiscoveryService {
  private readonly logger = new Logger(RelationshipDiscoveryService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly servers: ServersService,
    private readonly drivers: DriverRegistry,
  ) {}

  async discover(): Promise<void> {
    const candidates = await this.candidates();
    const found = (await mapLimited(candidates, CONCURRENCY, (target) => this.ask(target))).filter(
      (entry): entry is Found => entry !== undefined,
    );
    const pairs = pairUp(found);
    await this.dataSource.transaction(async (manager) => {
      // Concurrent discoveries (several API replicas listing at once) take turns.
      await manager.query('SELECT pg_advisory_xact_lock($1)', [DISCOVERY_LOCK_KEY]);
      const asked = new Set(candidates.map((target) => target.id));
      const previous = (await manager.find(RelationshipEntity, { where: { discovered: true } })).filter(
        (row) => row.servers.some((member) => asked.has(member.serverId)),
      );
      const kept = new Set<string>();
      for (const pair of pairs) {
        const key = pairKey(pair.map((side) => side.target.id));
        const existing = previous.find(
          (row) => pairKey(row.servers.map((member) => member.serverId)) === key,
        );
        const row =
          existing ??
          manager.create(RelationshipEntity, {
            name: await uniqueName(manager.getRepository(RelationshipEntity), pair[0].failover.name),
            vendor: pair[0].target.vendor,
            status: 'impaired',
            statusCheckedAt: null,
            discovered: true,
          });
        row.mode = pair[0].failover.mode;
        row.settings = pair[0].failover.settings;
        row.servers = pair.map((side, position) => {
          const self = side.failover.peers.find((peer) => peer.name === side.failover.thisPeer);
          return manager.create(RelationshipServerEntity, {
            position,
            serverId: side.target.id,
            role: self?.role ?? 'unknown',
            peerName: side.failover.thisPeer,
            settings: side.failover.sideSettings ?? { autoFailover: self?.autoFailover !== false },
          });
        });
        kept.add((await manager.save(row)).id);
      }
      const stale = previous.filter((row) => !kept.has(row.id)).map((row) => row.id);
      if (stale.length > 0) {
        await manager.delete(RelationshipEntity, stale);
      }
    });
  }

  /** Registered servers with a failover-capable driver that are in no adopted relationship. */
  private async candidates(): Promise<ServerTarget[]> {
    const rows = await this.dataSource
      .getRepository(ServerEntity)
      .createQueryBuilder('server')
      .where(
        `NOT EXISTS (SELECT 1 FROM relationship_servers s JOIN relationships r ON r.id = s.relationship_id
                      WHERE s.server_id = server.id AND NOT r.discovered)`,
      )
      .getMany();
    const capable = rows.filter(
      (row) => this.drivers.has(row.vendor) && this.drivers.get(row.vendor).failover,
    );
    return Promise.all(capable.map((row) => this.servers.target(row.id)));
  }

  private async ask(target: ServerTarget): Promise<Found | undefined> {
    try {
      const failover = await this.drivers.get(target.vendor).failover?.discoverFailover(target);
      return failover ? { target, failover } : undefined;
    } catch (error) {
      if (!(error instanceof DriverError)) throw error;
      this.logger.debug(`Discovery skipped ${target.name}: ${error.message}`);
      return undefined;
    }
  }
}

/**
 * Two servers form a pair when each one's configuration names the other as its partner: Kea, by the Control Agent
 * URLs of its peers; vendors with endpoints (ISC), by the same relationship name with mirrored endpoints.
 */
function pairUp(found: Found[]): Array<[Found, Found]> {
  const pairs: Array<[Found, Found]> = [];
  const used = new Set<string>();
  for (const a of found) {
    if (used.has(a.target.id)) continue;
    const ends = a.failover.endpoints;
    if (ends) {
      const mirror = found.find(
        (candidate) =>
          candidate !== a &&
          !used.has(candidate.target.id) &&
          candidate.target.vendor === a.target.vendor &&
          candidate.failover.name === a.failover.name &&
          candidate.failover.endpoints?.self === ends.partner &&
          candidate.failover.endpoints.partner === ends.self,
      );
      if (mirror) {
        pairs.push(ordered(a, mirror));
        used.add(a.target.id).add(mirror.target.id);
      }
      continue;
    }
    const partnerPeer = a.failover.peers.find((peer) => peer.name !== a.failover.thisPeer);
    const b = found.find(
      (candidate) =>
        candidate !== a &&
        !used.has(candidate.target.id) &&
        candidate.target.vendor === a.target.vendor &&
        candidate.failover.thisPeer === partnerPeer?.name &&
        sameUrl(partnerPeer.url, String(candidate.target.connection['url'])) &&
        candidate.failover.peers.some(
          (peer) =>
            peer.name === a.failover.thisPeer && sameUrl(peer.url, String(a.target.connection['url'])),
        ),
    );
    if (b) {
      pairs.push([a, b]);
      used.add(a.target.id).add(b.target.id);
    }
  }
  return pairs;
}

/** The primary first, where one side says it is. */
function ordered(a: Found, b: Found): [Found, Found] {
  const role = (side: Found): string | undefined =>
    side.failover.peers.find((peer) => peer.name === side.failover.thisPeer)?.role;
  return role(b) === 'primary' && role(a) !== 'primary' ? [b, a] : [a, b];
}

function sameUrl(a: string | undefined, b: string): boolean {
  if (!a) return false;
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}

async function uniqueName(
  repository: { exists(options: { where: { name: string } }): Promise<boolean> },
  base: string,
): Promise<string> {
  const stem = base.slice(0, 90);
  for (let n = 0; n < 100; n++) {
    const name = n === 0 ? stem : `${stem}-${n + 1}`;
    if (!(await repository.exists({ where: { name } }))) return name;
  }
  return `${stem}-${Date.now()}`;
}

async function mapLimited<T, R>(items: T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index]);
    }
  });
  await Promise.all(workers);
  return results;
}
