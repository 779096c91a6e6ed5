/**
 * Scope, exclusion-range and reservation cmdlets of the DhcpServer module with Microsoft's documented parameter
 * sets and defaults (Add-DhcpServerv4Scope: State Active, Type Dhcp, LeaseDuration 8 days; Add-DhcpServerv4Reservation:
 * Type Both). Failures carry the DHCP server's codes: 20004 scope exists, 20005 scope missing, 20018 not a
 * reservation, 20022 reservation address or client id in use, 20023 range invalid or overlapping, 20113 scope in a
 * failover relationship.
 */
import type { ParamSpec } from './cmdlet-binding.js';
import {
  type DhcpContext,
  dhcpCmdlet,
  inRange,
  intToIp,
  ipToInt,
  isContiguousMask,
  passThru,
  scopeIdOf,
  scopeOrFail,
} from './dhcp-context.js';
import { exclusionObject, reservationObject, scopeObject } from './dhcp-objects.js';
import type { ReservationState, ScopeState } from './dhcp-state.js';
import { notEmulated } from './ps-errors.js';
import type { CmdletDef } from './ps-interpreter.js';
import type { IPAddress, TimeSpan } from './ps-values.js';

const STATE = ['Active', 'InActive'];
const TYPE = ['Dhcp', 'Bootp', 'Both'];
const ip = (v: unknown): string => (v as IPAddress).address;
const ips = (v: unknown): string[] => (v as IPAddress[]).map((a) => a.address);
const str = (v: unknown): string => (v === undefined || v === null ? '' : (v as string));

/** Windows shows client ids as lower-case hex pairs joined by '-'. */
export function normalizeClientId(id: string): string | undefined {
  const hex = id.replace(/[-:.\s]/g, '').toLowerCase();
  if (!/^([0-9a-f]{2})+$/.test(hex)) return undefined;
  return hex.match(/../g)!.join('-');
}

/** Prefix lengths, the common ones first: a lookup per prefix until the scope holding an address is found. */
const PREFIXES = [
  24, 16, 8, 25, 26, 27, 28, 29, 30, 23, 22, 21, 20, 19, 18, 17, 15, 14, 13, 12, 11, 10, 9, 31,
];
const MASKS = PREFIXES.map((p) => (0xffffffff << (32 - p)) >>> 0);
const MASK_TEXT = MASKS.map(intToIp);

export function scopeHolding(ctx: DhcpContext, address: string): ScopeState | undefined {
  const n = ipToInt(address);
  for (let i = 0; i < MASKS.length; i++) {
    const scope = ctx.server.scopes[intToIp((n & MASKS[i]) >>> 0)];
    if (scope && scope.subnetMask === MASK_TEXT[i]) return scope;
  }
  return undefined;
}

export function findReservation(
  ctx: DhcpContext,
  address: string,
): { scope: ScopeState; r: ReservationState } | undefined {
  const scope = scopeHolding(ctx, address);
  const r = scope?.reservations.find((x) => x.ipAddress === address);
  return scope && r ? { scope, r } : undefined;
}

const scopeFields: ParamSpec[] = [
  { name: 'Name', type: 'String' },
  { name: 'Description', type: 'String' },
  { name: 'State', type: 'String', validateSet: STATE },
  { name: 'Type', type: 'String', validateSet: TYPE },
  { name: 'LeaseDuration', type: 'TimeSpan' },
  { name: 'MaxBootpClients', type: 'UInt32' },
  { name: 'Delay', type: 'UInt32' },
  { name: 'ActivatePolicies', type: 'Boolean' },
  { name: 'NapEnable', type: 'Boolean' },
  { name: 'NapProfile', type: 'String' },
  { name: 'SuperscopeName', type: 'String' },
  { name: 'PassThru', type: 'Switch' },
];

function refuseUnemulated(bound: Map<string, unknown>, names: string[]): void {
  for (const n of names) if (bound.has(n)) throw notEmulated(`the -${n} parameter`);
}

export function scopeCmdlets(ctx: () => DhcpContext): CmdletDef[] {
  return [
    dhcpCmdlet(ctx, 'Get-DhcpServerv4Scope', [{ name: 'ScopeId', type: 'IPAddress[]' }], (c, b, _s, fail) => {
      if (!b.has('ScopeId')) return Object.values(c.server.scopes).map(scopeObject);
      return ips(b.get('ScopeId')).map((id) => scopeObject(scopeOrFail(c, id, fail, 'get')));
    }),

    dhcpCmdlet(
      ctx,
      'Add-DhcpServerv4Scope',
      [
        { name: 'StartRange', type: 'IPAddress', mandatory: true },
        { name: 'EndRange', type: 'IPAddress', mandatory: true },
        { name: 'SubnetMask', type: 'IPAddress', mandatory: true },
        ...scopeFields.map((p) => (p.name === 'Name' ? { ...p, mandatory: true as const } : p)),
      ],
      (c, b, _s, fail) => {
        refuseUnemulated(b, ['NapEnable', 'NapProfile', 'SuperscopeName']);
        const [start, end, mask] = [ip(b.get('StartRange')), ip(b.get('EndRange')), ip(b.get('SubnetMask'))];
        if (!isContiguousMask(mask))
          throw fail(87, `Failed to add scope with subnet mask ${mask} on DHCP server {server}.`);
        const id = scopeIdOf(start, mask);
        if (ipToInt(start) > ipToInt(end) || scopeIdOf(end, mask) !== id)
          throw fail(
            20023,
            `Failed to add scope ${id} with range ${start}-${end} on DHCP server {server}.`,
            id,
          );
        if (c.server.scopes[id]) throw fail(20004, `Failed to add scope ${id} on DHCP server {server}.`, id);
        const scope: ScopeState = {
          scopeId: id,
          subnetMask: mask,
          startRange: start,
          endRange: end,
          name: str(b.get('Name')),
          description: str(b.get('Description')),
          state: (b.get('State') as ScopeState['state'] | undefined) ?? 'Active',
          type: (b.get('Type') as ScopeState['type'] | undefined) ?? 'Dhcp',
          leaseDurationSeconds: b.has('LeaseDuration')
            ? (b.get('LeaseDuration') as TimeSpan).totalMs / 1000
            : 8 * 86_400,
          maxBootpClients: (b.get('MaxBootpClients') as number | undefined) ?? 4294967295,
          delayMs: (b.get('Delay') as number | undefined) ?? 0,
          exclusions: [],
          reservations: [],
          options: {},
        };
        c.server.scopes[id] = scope;
        return passThru(b, [scopeObject(scope)]);
      },
    ),

    dhcpCmdlet(
      ctx,
      'Set-DhcpServerv4Scope',
      [
        { name: 'ScopeId', type: 'IPAddress', mandatory: true },
        { name: 'StartRange', type: 'IPAddress' },
        { name: 'EndRange', type: 'IPAddress' },
        ...scopeFields,
      ],
      (c, b, _s, fail) => {
        refuseUnemulated(b, ['NapEnable', 'NapProfile', 'SuperscopeName']);
        const scope = scopeOrFail(c, ip(b.get('ScopeId')), fail, 'set');
        if (b.has('StartRange') || b.has('EndRange')) {
          const start = b.has('StartRange') ? ip(b.get('StartRange')) : scope.startRange;
          const end = b.has('EndRange') ? ip(b.get('EndRange')) : scope.endRange;
          const [s0, e0, s1, e1] = [scope.startRange, scope.endRange, start, end].map(ipToInt) as [
            number,
            number,
            number,
            number,
          ];
          // Windows only widens or narrows a range: a new range must contain the old one or lie within it.
          const ok =
            s1 <= e1 &&
            scopeIdOf(start, scope.subnetMask) === scope.scopeId &&
            scopeIdOf(end, scope.subnetMask) === scope.scopeId &&
            ((s1 <= s0 && e1 >= e0) || (s1 >= s0 && e1 <= e0));
          if (!ok)
            throw fail(
              20023,
              `Failed to set IP address range to a scope ${scope.scopeId} on DHCP server {server}.`,
              scope.scopeId,
            );
          scope.startRange = start;
          scope.endRange = end;
        }
        if (b.has('Name')) scope.name = str(b.get('Name'));
        if (b.has('Description')) scope.description = str(b.get('Description'));
        if (b.has('State')) scope.state = b.get('State') as ScopeState['state'];
        if (b.has('Type')) scope.type = b.get('Type') as ScopeState['type'];
        if (b.has('LeaseDuration'))
          scope.leaseDurationSeconds = (b.get('LeaseDuration') as TimeSpan).totalMs / 1000;
        if (b.has('MaxBootpClients')) scope.maxBootpClients = b.get('MaxBootpClients') as number;
        if (b.has('Delay')) scope.delayMs = b.get('Delay') as number;
        return passThru(b, [scopeObject(scope)]);
      },
    ),

    dhcpCmdlet(
      ctx,
      'Remove-DhcpServerv4Scope',
      [
        { name: 'ScopeId', type: 'IPAddress[]', mandatory: true },
        { name: 'Force', type: 'Switch' },
        { name: 'PassThru', type: 'Switch' },
      ],
      (c, b, _s, fail) => {
        const out = [];
        for (const id of ips(b.get('ScopeId'))) {
          const scope = scopeOrFail(c, id, fail, 'delete');
          if (c.server.relationships.some((r) => r.scopeIds.includes(id)))
            throw fail(
              20113,
              `Failed to delete scope ${id} on DHCP server {server}. The scope is part of a failover relationship.`,
              id,
            );
          delete c.server.scopes[id];
          out.push(scopeObject(scope));
        }
        return passThru(b, out);
      },
    ),

    dhcpCmdlet(
      ctx,
      'Get-DhcpServerv4ExclusionRange',
      [{ name: 'ScopeId', type: 'IPAddress[]' }],
      (c, b, _s, fail) => {
        const scopes = b.has('ScopeId')
          ? ips(b.get('ScopeId')).map((id) => scopeOrFail(c, id, fail, 'get exclusion ranges of'))
          : Object.values(c.server.scopes);
        return scopes.flatMap((s) => s.exclusions.map((e) => exclusionObject(s.scopeId, e)));
      },
    ),

    dhcpCmdlet(
      ctx,
      'Add-DhcpServerv4ExclusionRange',
      [
        { name: 'ScopeId', type: 'IPAddress', mandatory: true },
        { name: 'StartRange', type: 'IPAddress', mandatory: true },
        { name: 'EndRange', type: 'IPAddress', mandatory: true },
        { name: 'PassThru', type: 'Switch' },
      ],
      (c, b, _s, fail) => {
        const scope = scopeOrFail(c, ip(b.get('ScopeId')), fail, 'add exclusion range to');
        const [start, end] = [ip(b.get('StartRange')), ip(b.get('EndRange'))];
        const overlaps = scope.exclusions.some(
          (e) => ipToInt(start) <= ipToInt(e.endRange) && ipToInt(end) >= ipToInt(e.startRange),
        );
        if (
          ipToInt(start) > ipToInt(end) ||
          !inRange(start, scope.startRange, scope.endRange) ||
          !inRange(end, scope.startRange, scope.endRange) ||
          overlaps
        )
          throw fail(
            20023,
            `Failed to add exclusion range with start range ${start} and end range ${end} to scope ${scope.scopeId} on DHCP server {server}.`,
            scope.scopeId,
          );
        const e = { startRange: start, endRange: end };
        scope.exclusions.push(e);
        return passThru(b, [exclusionObject(scope.scopeId, e)]);
      },
    ),

    dhcpCmdlet(
      ctx,
      'Remove-DhcpServerv4ExclusionRange',
      [
        { name: 'ScopeId', type: 'IPAddress', mandatory: true },
        { name: 'StartRange', type: 'IPAddress' },
        { name: 'EndRange', type: 'IPAddress' },
        { name: 'PassThru', type: 'Switch' },
      ],
      (c, b, _s, fail) => {
        const scope = scopeOrFail(c, ip(b.get('ScopeId')), fail, 'delete exclusion range of');
        // Without a range, every exclusion range of the scope is removed.
        if (!b.has('StartRange') && !b.has('EndRange')) {
          const removed = scope.exclusions.splice(0);
          return passThru(
            b,
            removed.map((e) => exclusionObject(scope.scopeId, e)),
          );
        }
        const start = b.has('StartRange') ? ip(b.get('StartRange')) : undefined;
        const end = b.has('EndRange') ? ip(b.get('EndRange')) : undefined;
        const idx = scope.exclusions.findIndex(
          (e) => (!start || e.startRange === start) && (!end || e.endRange === end),
        );
        if (idx < 0)
          throw fail(
            20023,
            `Failed to delete exclusion range ${start ?? ''}-${end ?? ''} of scope ${scope.scopeId} on DHCP server {server}.`,
            scope.scopeId,
          );
        const [removed] = scope.exclusions.splice(idx, 1);
        return passThru(b, [exclusionObject(scope.scopeId, removed)]);
      },
    ),

    ...reservationCmdlets(ctx),
  ];
}

function reservationCmdlets(ctx: () => DhcpContext): CmdletDef[] {
  const fields: ParamSpec[] = [
    { name: 'Name', type: 'String' },
    { name: 'Description', type: 'String' },
    { name: 'Type', type: 'String', validateSet: TYPE },
    { name: 'PassThru', type: 'Switch' },
  ];
  return [
    dhcpCmdlet(
      ctx,
      'Get-DhcpServerv4Reservation',
      [
        {
          name: 'ScopeId',
          type: 'IPAddress[]',
          sets: ['ScopeId', 'ClientId'],
          mandatory: ['ScopeId', 'ClientId'],
        },
        { name: 'IPAddress', type: 'IPAddress[]', sets: ['IPAddress'], mandatory: true },
        { name: 'ClientId', type: 'String[]', sets: ['ClientId'], mandatory: true },
      ],
      (c, b, set, fail) => {
        if (set === 'IPAddress')
          return ips(b.get('IPAddress')).map((a) => {
            const hit = findReservation(c, a);
            if (!hit)
              throw fail(20018, `Failed to get reservation for IP address ${a} on DHCP server {server}.`, a);
            return reservationObject(hit.scope.scopeId, hit.r);
          });
        const scopes = ips(b.get('ScopeId')).map((id) => scopeOrFail(c, id, fail, 'get reservations of'));
        if (set === 'ScopeId')
          return scopes.flatMap((s) => s.reservations.map((r) => reservationObject(s.scopeId, r)));
        const wanted = (b.get('ClientId') as string[]).map((id) => normalizeClientId(id) ?? id);
        return scopes.flatMap((s) =>
          wanted.map((id) => {
            const r = s.reservations.find((x) => x.clientId === id);
            if (!r)
              throw fail(
                20018,
                `Failed to get reservation for client ${id} in scope ${s.scopeId} on DHCP server {server}.`,
                id,
              );
            return reservationObject(s.scopeId, r);
          }),
        );
      },
      ['ScopeId', 'IPAddress', 'ClientId'],
    ),

    dhcpCmdlet(
      ctx,
      'Add-DhcpServerv4Reservation',
      [
        { name: 'ScopeId', type: 'IPAddress', mandatory: true },
        { name: 'IPAddress', type: 'IPAddress', mandatory: true },
        { name: 'ClientId', type: 'String', mandatory: true },
        ...fields,
      ],
      (c, b, _s, fail) => {
        const scope = scopeOrFail(c, ip(b.get('ScopeId')), fail, 'add reservation to');
        const address = ip(b.get('IPAddress'));
        const clientId = normalizeClientId(str(b.get('ClientId')));
        if (!clientId)
          throw fail(
            87,
            `Failed to add reservation ${address} with client id ${str(b.get('ClientId'))} on DHCP server {server}.`,
            address,
          );
        if (!inRange(address, scope.startRange, scope.endRange))
          throw fail(
            20023,
            `Failed to add reservation ${address} to scope ${scope.scopeId} on DHCP server {server}. The address is outside the scope's range.`,
            address,
          );
        if (scope.reservations.some((r) => r.ipAddress === address || r.clientId === clientId))
          throw fail(
            20022,
            `Failed to add reservation ${address} for client ${clientId} to scope ${scope.scopeId} on DHCP server {server}.`,
            address,
          );
        const r: ReservationState = {
          ipAddress: address,
          clientId,
          name: str(b.get('Name')),
          description: str(b.get('Description')),
          type: (b.get('Type') as ReservationState['type'] | undefined) ?? 'Both',
          options: {},
        };
        scope.reservations.push(r);
        return passThru(b, [reservationObject(scope.scopeId, r)]);
      },
    ),

    dhcpCmdlet(
      ctx,
      'Set-DhcpServerv4Reservation',
      [
        { name: 'IPAddress', type: 'IPAddress', mandatory: true },
        { name: 'ClientId', type: 'String' },
        ...fields,
      ],
      (c, b, _s, fail) => {
        const address = ip(b.get('IPAddress'));
        const hit = findReservation(c, address);
        if (!hit) throw fail(20018, `Failed to set reservation ${address} on DHCP server {server}.`, address);
        if (b.has('ClientId')) {
          const clientId = normalizeClientId(str(b.get('ClientId')));
          if (!clientId)
            throw fail(87, `Failed to set reservation ${address} on DHCP server {server}.`, address);
          if (hit.scope.reservations.some((r) => r !== hit.r && r.clientId === clientId))
            throw fail(
              20022,
              `Failed to set reservation ${address} for client ${clientId} on DHCP server {server}.`,
              address,
            );
          hit.r.clientId = clientId;
        }
        if (b.has('Name')) hit.r.name = str(b.get('Name'));
        if (b.has('Description')) hit.r.description = str(b.get('Description'));
        if (b.has('Type')) hit.r.type = b.get('Type') as ReservationState['type'];
        return passThru(b, [reservationObject(hit.scope.scopeId, hit.r)]);
      },
    ),

    dhcpCmdlet(
      ctx,
      'Remove-DhcpServerv4Reservation',
      [
        { name: 'IPAddress', type: 'IPAddress[]', sets: ['IPAddress'], mandatory: true },
        { name: 'ScopeId', type: 'IPAddress', sets: ['ClientId'], mandatory: true },
        { name: 'ClientId', type: 'String[]', sets: ['ClientId'], mandatory: true },
        { name: 'PassThru', type: 'Switch' },
      ],
      (c, b, set, fail) => {
        const removed = [];
        if (set === 'IPAddress') {
          for (const a of ips(b.get('IPAddress'))) {
            const hit = findReservation(c, a);
            if (!hit) throw fail(20018, `Failed to delete reservation ${a} on DHCP server {server}.`, a);
            hit.scope.reservations.splice(hit.scope.reservations.indexOf(hit.r), 1);
            removed.push(reservationObject(hit.scope.scopeId, hit.r));
          }
        } else {
          const scope = scopeOrFail(c, ip(b.get('ScopeId')), fail, 'delete reservations of');
          for (const id of b.get('ClientId') as string[]) {
            const idx = scope.reservations.findIndex((r) => r.clientId === (normalizeClientId(id) ?? id));
            if (idx < 0)
              throw fail(
                20018,
                `Failed to delete reservation for client ${id} in scope ${scope.scopeId} on DHCP server {server}.`,
                id,
              );
            removed.push(reservationObject(scope.scopeId, scope.reservations.splice(idx, 1)[0]));
          }
        }
        return passThru(b, removed);
      },
      ['IPAddress', 'ClientId'],
    ),
  ];
}
