import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { nameHolder } from '../database/rows.js';
import { ServerEntity } from '../servers/server.entity.js';
import { ServersService } from '../servers/servers.service.js';
import type { DiscoveredFailover, ServerTarget } from '../vendors/driver.js';
import { DriverError } from '../vendors/driver-error.js';
import { DriverRegistry } from '../vendors/driver-registry.js';
import { RelationshipEntity } from './relationship.entity.js';
import { PEER_NAME_MAX, RelationshipServerEntity } from './relationship-server.entity.js';

/** How many servers are asked at once. */
const CONCURRENCY = 4;
const DISCOVERY_LOCK_KEY = 0x0dfc_0003;

/** A pair by its members: each server with the name it goes by (ISC: one server may hold several peers). */
const pairKey = (members: Array<{ serverId: string; peerName: string }>): string =>
  members
    .map((member) => `${member.serverId}/${member.peerName}`)
    .sort()
    .join('+');
const memberOf = (found: Found): { serverId: string; peerName: string } => ({
  serverId: found.target.id,
  peerName: found.failover.thisPeer,
});

interface Found {
  target: ServerTarget;
  failover: DiscoveredFailover;
}

/**
 * Finds failover relationships configured on registered servers outside this service: a pair is two registered
 * servers whose configurations name each other (Kea: each one's HA peers point at the other's Control Agent). Such a
 * pair is recorded as `discovered` so it is listed and can be adopted; servers already in an adopted relationship
 * are not asked, unless their vendor allows several relationships per server (ISC: one per peer), in which case
 * the relationships they are managed in are left out of what is found.
 */
@Injectable()
export class RelationshipDiscoveryService {
  private readonly logger = new Logger(RelationshipDiscoveryService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly servers: ServersService,
    private readonly drivers: DriverRegistry,
    private readonly config: AppConfig,
  ) {}

  /** The servers asked by the last discovery (their ids and versions) and when it ended. */
  private last?: { servers: string; at: number };
  /** The discovery under way, which concurrent lists of the same servers share. */
  private running?: { servers: string; done: Promise<void> };

  /**
   * Discovers unless the last discovery of the same servers ended less than `DISCOVERY_MAX_AGE_SECONDS` ago
   * (`fresh`: discover in any case). Asking every server takes a connection to each (SSH for ISC and Windows), which
   * a list must not pay on every call; a change to the servers to ask (registered, edited, unregistered, taken into
   * or out of a relationship) makes the next list discover again at once.
   */
  async discover(fresh = false): Promise<void> {
    const { targets, servers } = await this.candidates();
    if (
      !fresh &&
      this.last?.servers === servers &&
      Date.now() - this.last.at < this.config.discovery.maxAgeMs
    )
      return;
    if (!fresh && this.running?.servers === servers) return this.running.done;
    const done = this.discoverAmong(targets).then(() => {
      this.last = { servers, at: Date.now() };
    });
    const running = { servers, done };
    this.running = running;
    try {
      await done;
    } finally {
      if (this.running === running) this.running = undefined;
    }
  }

  private async discoverAmong(candidates: ServerTarget[]): Promise<void> {
    const managed = await this.managedMembers();
    const found = (await mapLimited(candidates, CONCURRENCY, (target) => this.ask(target)))
      .flat()
      .filter((entry) => !managed.has(pairKey([memberOf(entry)])));
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
        const long = pair.find((side) => side.failover.thisPeer.length > PEER_NAME_MAX);
        if (long) {
          // Recorded, it would fail the whole list: it is left out and said so.
          this.logger.warn(
            `Discovery left out a relationship of ${long.target.name}: its name there is longer than ${PEER_NAME_MAX} characters`,
          );
          continue;
        }
        const key = pairKey(pair.map(memberOf));
        const existing = previous.find((row) => pairKey(row.servers) === key);
        const row =
          existing ??
          manager.create(RelationshipEntity, {
            name: await uniqueName(manager, pair[0].failover.name),
            vendor: pair[0].target.vendor,
            status: 'unknown',
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

  /**
   * Registered servers with a failover-capable driver that are in no adopted relationship, or whose vendor allows
   * several relationships per server.
   */
  private async candidates(): Promise<{ targets: ServerTarget[]; servers: string }> {
    const several = this.drivers
      .vendors()
      .filter((vendor) => this.drivers.get(vendor).failover?.severalPerServer === true);
    const rows = await this.dataSource
      .getRepository(ServerEntity)
      .createQueryBuilder('server')
      .where(
        `(NOT EXISTS (SELECT 1 FROM relationship_servers s JOIN relationships r ON r.id = s.relationship_id
                       WHERE s.server_id = server.id AND NOT r.discovered)
          OR server.vendor IN (:...several))`,
        // An empty IN list is not SQL: a vendor name no server has stands in for none.
        { several: several.length > 0 ? several : [''] },
      )
      .getMany();
    const capable = rows.filter(
      (row) => this.drivers.has(row.vendor) && this.drivers.get(row.vendor).failover,
    );
    return {
      targets: await Promise.all(capable.map((row) => this.servers.target(row.id))),
      servers: capable
        .map((row) => `${row.id}@${row.version}`)
        .sort()
        .join(','),
    };
  }

  /** Every server and peer name that is a member of an adopted relationship, as {@link pairKey} of one. */
  private async managedMembers(): Promise<Set<string>> {
    const rows = await this.dataSource
      .getRepository(RelationshipServerEntity)
      .createQueryBuilder('s')
      .innerJoin(RelationshipEntity, 'r', 'r.id = s.relationship_id')
      .where('NOT r.discovered')
      .getMany();
    return new Set(rows.map((member) => pairKey([member])));
  }

  private async ask(target: ServerTarget): Promise<Found[]> {
    try {
      const failovers = (await this.drivers.get(target.vendor).failover?.discoverFailover(target)) ?? [];
      return failovers.map((failover) => ({ target, failover }));
    } catch (error) {
      if (!(error instanceof DriverError)) throw error;
      this.logger.debug(`Discovery skipped ${target.name}: ${error.message}`);
      return [];
    }
  }
}

/**
 * Two servers form a pair when each one's configuration names the other as its partner: Kea, by the Control Agent
 * URLs of its peers; vendors with endpoints (ISC), by the same relationship name with mirrored endpoints.
 */
function pairUp(found: Found[]): Array<[Found, Found]> {
  const pairs: Array<[Found, Found]> = [];
  // By entry, not by server: a server with several relationships (ISC peers) has an entry for each.
  const used = new Set<Found>();
  for (const a of found) {
    if (used.has(a)) continue;
    const ends = a.failover.endpoints;
    if (ends) {
      const mirror = found.find(
        (candidate) =>
          candidate.target.id !== a.target.id &&
          !used.has(candidate) &&
          candidate.target.vendor === a.target.vendor &&
          candidate.failover.name === a.failover.name &&
          candidate.failover.endpoints?.self === ends.partner &&
          candidate.failover.endpoints.partner === ends.self,
      );
      if (mirror) {
        pairs.push(ordered(a, mirror));
        used.add(a).add(mirror);
      }
      continue;
    }
    const partnerPeer = a.failover.peers.find((peer) => peer.name !== a.failover.thisPeer);
    const b = found.find(
      (candidate) =>
        candidate.target.id !== a.target.id &&
        !used.has(candidate) &&
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
      used.add(a).add(b);
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

/** `base`, or `base-2`, `base-3`...: the first no record has in any case (names are unique whatever their case). */
async function uniqueName(manager: EntityManager, base: string): Promise<string> {
  const stem = base.slice(0, 90);
  for (let n = 0; n < 100; n++) {
    const name = n === 0 ? stem : `${stem}-${n + 1}`;
    if (!(await nameHolder(manager, RelationshipEntity, name))) return name;
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
