import { Injectable } from '@nestjs/common';
import type {
  ConnectionReport,
  CopyLeg,
  DhcpDriver,
  ReadOptions,
  ScopeRemoval,
  ScopeWrite,
  ServerTarget,
  WriteContext,
  WriteDigests,
} from '../driver.js';
import { DriverError, DriverErrorCode } from '../driver-error.js';
import { scopeNetwork, type ScopeContent, type ScopePart, type ScopeSummary } from '../scope-content.js';
import { type ConfigSnapshot, readConfig, readSnapshot, updateConfig } from './kea-config-update.js';
import { allSubnets, networkOf, type KeaConfig, type KeaDhcp4, type KeaSubnet4 } from './kea-config.types.js';
import { withKeaClient } from './kea-client.factory.js';
import { KeptReads } from '../kept-reads.js';
import { KeaFailover } from './kea-failover.js';
import { applyScopeToSubnet, newSubnetFrom, setSubnetEnabled, subnetToScope } from './kea-subnet.mapper.js';
import { discoverHa, HA_HOOK } from './kea-ha.mapper.js';

/** ISC Kea through its Control Agent's HTTP API. */
@Injectable()
export class KeaDriver implements DhcpDriver {
  readonly vendor = 'kea' as const;
  readonly failover = new KeaFailover();
  /**
   * Configurations read with `keepForWrite`, by server id, until the write that follows takes them. The reload
   * mark read with each still tells whether the server changed in between, so a stale one only costs a re-read.
   */
  private readonly kept = new KeptReads<ConfigSnapshot>();
  /**
   * The subnet ids of each server's last read (id -> subnet), all of them even when the read asked for some
   * networks only: what refuseCopy needs of a destination read for one scope. Small, and replaced by every read.
   */
  private readonly subnetIds = new Map<string, Map<number, string>>();

  checkConnection(target: ServerTarget): Promise<ConnectionReport> {
    return withKeaClient(target, async (client) => {
      const version = await client.expectSuccess('version-get');
      const config = await readConfig(client);
      const status = await client.command('status-get');
      const hooks = (config.Dhcp4['hooks-libraries'] ?? []).map(
        (hook) => hook.library.split('/').pop() ?? hook.library,
      );
      const versionText = String(
        (version.arguments?.['extended'] as string | undefined) ?? version.text ?? '',
      ).split('\n')[0];
      return {
        software: 'ISC Kea DHCPv4',
        version: String(version.text ?? '').trim(),
        facts: {
          versionDetail: versionText,
          hooks,
          subnets: allSubnets(config.Dhcp4).length,
          haConfigured: hooks.some((hook) => hook.includes(HA_HOOK)),
          ...(status.result === 0 && status.arguments ? { status: status.arguments } : {}),
        },
      };
    });
  }

  listScopes(target: ServerTarget): Promise<ScopeSummary[]> {
    return withKeaClient(target, async (client) => {
      const config = await readConfig(client);
      const haPeers = haRelationshipName(config);
      return allSubnets(config.Dhcp4).map(({ subnet }) => {
        const scope = subnetToScope(subnet);
        return {
          subnet: scope.subnet,
          ...(scope.name !== undefined ? { name: scope.name } : {}),
          enabled: scope.enabled,
          ...(haPeers ? { failover: haPeers } : {}),
        };
      });
    });
  }

  async readScope(target: ServerTarget, network: string): Promise<ScopeContent> {
    const scope = (await this.readScopes(target, [network])).get(network);
    if (!scope) throw noSubnet(target, network);
    return scope;
  }

  readScopes(
    target: ServerTarget,
    networks?: readonly string[],
    options: ReadOptions = {},
  ): Promise<Map<string, ScopeContent>> {
    const wanted = networks ? new Set(networks) : undefined;
    return withKeaClient(target, async (client) => {
      let config: KeaConfig;
      if (options.keepForWrite) {
        const snapshot = await readSnapshot(client);
        this.kept.keep(target, snapshot);
        config = snapshot.config;
      } else {
        config = await readConfig(client);
      }
      this.subnetIds.set(
        target.id,
        new Map(allSubnets(config.Dhcp4).map(({ subnet }) => [subnet.id ?? 0, subnet.subnet])),
      );
      const scopes = new Map<string, ScopeContent>();
      const sharedSettings = new Map(
        (config.Dhcp4['shared-networks'] ?? []).map(
          ({ name, subnet4: _subnets, ...settings }) => [name, settings] as const,
        ),
      );
      for (const { subnet, sharedNetwork } of allSubnets(config.Dhcp4)) {
        const network = networkOf(subnet);
        if (wanted && !wanted.has(network)) continue;
        const settings = sharedNetwork === undefined ? undefined : sharedSettings.get(sharedNetwork);
        scopes.set(network, subnetToScope(subnet, sharedNetwork, settings));
      }
      return scopes;
    });
  }

  releaseRead(target: ServerTarget): void {
    this.kept.drop(target);
  }

  /**
   * A subnet the destination lacks is created with the source's id (HA partners must agree: the HA hook's lease
   * updates name the subnet by id, and the partner refuses a lease its subnet of that id does not hold, "does not
   * belong to subnet"). When another subnet of the destination has that id, the copy would take another one and the
   * partners would disagree for good: refused instead, saying which subnet holds the id.
   */
  refuseCopy(
    destination: ReadonlyMap<string, ScopeContent>,
    source: ScopeContent,
    _parts: readonly ScopePart[],
    leg: CopyLeg,
  ): string | undefined {
    const id = source.vendor === 'kea' ? source.vendorExtras?.['id'] : undefined;
    if (typeof id !== 'number' || destination.has(scopeNetwork(source.subnet))) return undefined;
    const holder =
      this.subnetIds.get(leg.destination.id)?.get(id) ??
      [...destination.values()].find((scope) => scope.vendorExtras?.['id'] === id)?.subnet;
    return holder === undefined
      ? undefined
      : subnetIdTaken(leg.destination.name, id, holder, source.subnet, leg.source.name);
  }

  /**
   * Copies of one subnet under different ids: the HA hook's lease updates name the subnet by id, so each partner
   * refuses the other's leases of it ("does not belong to subnet") and failover of that subnet is broken. A write
   * keeps the destination's id (a subnet's id cannot change in place without orphaning its leases).
   */
  copiesConflict(destination: ScopeContent, source: ScopeContent, leg: CopyLeg): string | undefined {
    if (destination.vendor !== 'kea' || source.vendor !== 'kea') return undefined;
    const [here, there] = [destination.vendorExtras?.['id'], source.vendorExtras?.['id']];
    if (typeof here !== 'number' || typeof there !== 'number' || here === there) return undefined;
    return (
      `${source.subnet} has subnet id ${there} on ${leg.source.name} and ${here} on ${leg.destination.name}: Kea HA ` +
      "partners refuse each other's lease updates for it, so it does not fail over. Re-create one copy under the " +
      `other's id: DELETE /api/v1/relationships/${leg.relationshipId}/scopes/${scopeNetwork(source.subnet)}` +
      `?serverId=${leg.destination.id}, then POST /api/v1/relationships/${leg.relationshipId}/scopes with ` +
      `sourceServerId ${leg.source.id} (the copy keeps ${leg.source.name}'s id)`
    );
  }

  async writeScopes(
    target: ServerTarget,
    writes: ScopeWrite[],
    context?: WriteContext,
  ): Promise<WriteDigests> {
    // Before the new configuration is built: Kea's check and the write leave no wait long enough to overlap it.
    context?.housekeeping?.();
    const base = this.kept.take(target);
    const update = await withKeaClient(target, (client) =>
      updateConfig(
        client,
        (config) => {
          const index = indexSubnets(config.Dhcp4);
          for (const write of writes) {
            upsertSubnet(target, config, write, index);
          }
          return writes.length > 0; // written as asked (see DhcpDriver.writeScopes)
        },
        // No undo is needed here, so the configuration is changed in place: a large one is not copied.
        { base, keepPrevious: false, beforeCommit: context?.beforeCommit },
      ),
    );
    return { before: update.before, after: update.after };
  }

  async removeScope(target: ServerTarget, network: string, how: ScopeRemoval): Promise<WriteDigests> {
    const update = await withKeaClient(target, (client) =>
      updateConfig(client, (config) => {
        const dhcp4 = config.Dhcp4;
        if (how === 'disable') {
          disableSubnet(
            target,
            allSubnets(dhcp4).map((entry) => entry.subnet),
            network,
          );
          return;
        }
        const before = allSubnets(dhcp4).length;
        dhcp4.subnet4 = (dhcp4.subnet4 ?? []).filter((subnet) => networkOf(subnet) !== network);
        for (const shared of dhcp4['shared-networks'] ?? []) {
          shared.subnet4 = (shared.subnet4 ?? []).filter((subnet) => networkOf(subnet) !== network);
        }
        if (allSubnets(dhcp4).length === before) throw noSubnet(target, network);
      }),
    );
    return { before: update.before, after: update.after };
  }
}

/** Where each network's entry is and which subnet ids are taken, built once per batch of writes. */
interface SubnetIndex {
  /** The first entry of each network: top level before shared networks, in order. */
  places: Map<string, { list: KeaSubnet4[]; position: number }>;
  ids: Set<number>;
  maxId: number;
}

function indexSubnets(dhcp4: KeaDhcp4): SubnetIndex {
  const places = new Map<string, { list: KeaSubnet4[]; position: number }>();
  const lists = [
    dhcp4.subnet4 ?? [],
    ...(dhcp4['shared-networks'] ?? []).map((shared) => shared.subnet4 ?? []),
  ];
  for (const list of lists) {
    list.forEach((subnet, position) => {
      const network = networkOf(subnet);
      if (!places.has(network)) places.set(network, { list, position });
    });
  }
  const ids = new Set(allSubnets(dhcp4).map(({ subnet }) => subnet.id ?? 0));
  return { places, ids, maxId: Math.max(0, ...ids) };
}

/**
 * Where a new subnet goes: into the shared network a Kea source named (`vendorExtras['shared-network']`), made from
 * the source's settings of it (`shared-network-settings`) when the destination has none of that name; else the top
 * level.
 */
function listFor(dhcp4: KeaDhcp4, content: ScopeContent): KeaSubnet4[] {
  const name = content.vendorExtras?.['shared-network'];
  if (typeof name !== 'string' || name === '') return (dhcp4.subnet4 ??= []);
  const networks = (dhcp4['shared-networks'] ??= []);
  let shared = networks.find((candidate) => candidate.name === name);
  if (!shared) {
    const settings = content.vendorExtras?.['shared-network-settings'];
    const carried =
      typeof settings === 'object' && settings !== null && !Array.isArray(settings)
        ? (structuredClone(settings) as Record<string, unknown>)
        : {};
    delete carried['subnet4'];
    shared = { ...carried, name, subnet4: [] };
    networks.push(shared);
  }
  return (shared.subnet4 ??= []);
}

/**
 * Replaces the subnet in place (same id, same shared network), or appends it with a fresh id: in the source's shared
 * network (see listFor) or at the top level.
 */
function upsertSubnet(target: ServerTarget, config: KeaConfig, write: ScopeWrite, index: SubnetIndex): void {
  const network = scopeNetwork(write.content.subnet);
  const place = index.places.get(network);
  if (place) {
    place.list[place.position] = applyScopeToSubnet(place.list[place.position], write.content, write.parts);
    return;
  }
  const created = newSubnetFrom(write.content, write.parts);
  // Keep the source's subnet id (HA partners must agree): one another subnet holds here is refused (refuseCopy says
  // so before writing; this is for a change made in between). A copy from another vendor takes the next free id.
  if (write.content.vendor === 'kea' && typeof created.id === 'number' && index.ids.has(created.id)) {
    const holder = allSubnets(config.Dhcp4).find(({ subnet }) => subnet.id === created.id)?.subnet.subnet;
    throw new DriverError(
      DriverErrorCode.invalidConfig,
      subnetIdTaken(target.name, created.id, holder ?? '?', write.content.subnet, 'its source'),
    );
  }
  if (typeof created.id !== 'number' || index.ids.has(created.id)) {
    created.id = index.maxId + 1;
  }
  const list = listFor(config.Dhcp4, write.content);
  index.places.set(network, { list, position: list.push(created) - 1 });
  index.ids.add(created.id);
  index.maxId = Math.max(index.maxId, created.id);
}

/** In Kea 2.2 HA covers the whole server: its scopes belong to the HA relationship named after the peers. */
function haRelationshipName(config: KeaConfig): string | undefined {
  return discoverHa(config.Dhcp4)?.name;
}

/** Closes every pool of the subnet (kea-subnet.mapper.ts, DISABLED_CLASS); a subnet without pools has none to close. */
function disableSubnet(target: ServerTarget, subnets: KeaSubnet4[], network: string): void {
  const subnet = subnets.find((candidate) => networkOf(candidate) === network);
  if (!subnet) throw noSubnet(target, network);
  if ((subnet.pools ?? []).length === 0) {
    throw new DriverError(
      DriverErrorCode.unsupported,
      `subnet ${subnet.subnet} on ${target.name} has no pool, so there is nothing to disable ` +
        '(its reservations keep answering); delete it instead',
    );
  }
  setSubnetEnabled(subnet, false);
}

function noSubnet(target: ServerTarget, network: string): DriverError {
  return new DriverError(DriverErrorCode.notFound, `Kea server ${target.name} has no subnet ${network}`);
}

/** Why a subnet cannot be created on `destination` with the id it has on `source` (see KeaDriver.refuseCopy). */
function subnetIdTaken(
  destination: string,
  id: number,
  holder: string,
  subnet: string,
  source: string,
): string {
  return (
    `${destination} has subnet id ${id} on ${holder} already, the id ${subnet} has on ${source}: a copy there ` +
    `would take another id, and the HA partners must agree on it (Kea's lease updates name the subnet by id, so ` +
    `${destination} would refuse ${source}'s leases of ${subnet}). Give one of the two subnets an id free on both ` +
    'servers first'
  );
}
