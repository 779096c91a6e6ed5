import type { ScopeWrite } from '../driver.js';
import { DriverError, DriverErrorCode } from '../driver-error.js';
import {
  reservationKey,
  scopeNetwork,
  type AddressRange,
  type DhcpOption,
  type Reservation,
  type ScopeContent,
} from '../scope-content.js';
import { psInt, psList, psString, psTimeSpan } from './powershell/ps-literal.js';
import {
  LEASE_OPTION,
  maskOf,
  optionValues,
  reservationType,
  windowsClientId,
} from './windows-scope.mapper.js';

/**
 * The cmdlets that turn `before` (the destination's scope as read; absent when it has none) into `write.content`
 * for the parts named, and nothing else: a part not named is left as it is, and an item already as wanted is not
 * touched. Scope settings (name, description, lease duration, state) travel with the options part, as in
 * replication's diffs. A scope the destination lacks is created with its address range whatever the parts (Windows
 * has no scope without one).
 */
export function scopeWriteStatements(before: ScopeContent | undefined, write: ScopeWrite): string[] {
  assertWritable(before, write);
  const after = write.content;
  const network = scopeNetwork(after.subnet);
  const id = psString(network);
  const parts = new Set(write.parts);
  const statements: string[] = [];
  const range = (): AddressRange => rangeOf(after);
  if (!before) {
    const { start, end } = range();
    const prefix = Number(after.subnet.split('/')[1] ?? 32);
    statements.push(
      `Add-DhcpServerv4Scope -StartRange ${psString(start)} -EndRange ${psString(end)} -SubnetMask ${psString(maskOf(prefix))} ` +
        `-Name ${psString(after.name ?? network)} -Description ${psString(after.description ?? '')} ` +
        `-State ${after.enabled ? "'Active'" : "'InActive'"}` +
        (after.leaseTime !== undefined ? ` -LeaseDuration ${psTimeSpan(after.leaseTime)}` : ''),
    );
  } else {
    const settings: string[] = [];
    if (parts.has('options')) {
      if ((before.name ?? '') !== (after.name ?? ''))
        settings.push(`-Name ${psString(after.name ?? network)}`);
      if ((before.description ?? '') !== (after.description ?? '')) {
        settings.push(`-Description ${psString(after.description ?? '')}`);
      }
      if (after.leaseTime !== undefined && before.leaseTime !== after.leaseTime) {
        settings.push(`-LeaseDuration ${psTimeSpan(after.leaseTime)}`);
      }
      if (before.enabled !== after.enabled)
        settings.push(`-State ${after.enabled ? "'Active'" : "'InActive'"}`);
    }
    if (parts.has('pools')) {
      const { start, end } = range();
      const current = before.pools[0];
      if (current?.start !== start || current.end !== end) {
        // Windows only widens or narrows a range: a range that moves is widened to cover both, then narrowed.
        const union =
          current && !nested(current, { start, end }) ? unionOf(current, { start, end }) : undefined;
        if (union) statements.push(`Set-DhcpServerv4Scope -ScopeId ${id} ${rangeParameters(union)}`);
        settings.push(rangeParameters({ start, end }));
      }
    }
    if (settings.length > 0) statements.push(`Set-DhcpServerv4Scope -ScopeId ${id} ${settings.join(' ')}`);
  }
  if (parts.has('exclusions'))
    statements.push(...exclusionStatements(id, before?.exclusions ?? [], after.exclusions));
  if (parts.has('options'))
    statements.push(...optionStatements(`-ScopeId ${id}`, before?.options ?? [], after.options));
  if (parts.has('reservations')) statements.push(...reservationStatements(id, before, after));
  return statements;
}

/**
 * What scopeWriteStatements refuses before it computes any cmdlet, as a DriverError: a scope Windows cannot hold, an
 * exclusion or reservation added outside the range the scope keeps, a reservation without an address. Its own
 * function so that a dry run can ask it too (copyRefusal) without computing the cmdlets.
 */
export function assertWritable(before: ScopeContent | undefined, write: ScopeWrite): void {
  const parts = new Set(write.parts);
  // Windows keeps exclusions and reservations inside the scope's address range: one added outside it fails its
  // cmdlet after the scope's earlier cmdlets ran (an exclusion or reservation already removed); refused first instead.
  const span = !before || parts.has('pools') ? rangeOf(write.content) : before.pools[0];
  if (span) assertInRange(write, before, span);
  if (parts.has('reservations')) {
    addressed(before?.reservations ?? []);
    addressed(write.content.reservations);
  }
}

/** The scope's one address range: Windows has no scope with several (or none). */
function rangeOf(content: ScopeContent): AddressRange {
  if (content.pools.length !== 1) {
    throw new DriverError(
      DriverErrorCode.unsupported,
      `scope ${content.subnet} has ${content.pools.length} address pools; a Windows scope has exactly one address range`,
    );
  }
  return content.pools[0];
}

const rangeKey = (range: AddressRange): string => `${range.start}-${range.end}`;

/** The exclusions and reservations the write adds, each within `span` (the scope's range once written). */
function assertInRange(write: ScopeWrite, before: ScopeContent | undefined, span: AddressRange): void {
  const parts = new Set(write.parts);
  const inside = (address: string): boolean =>
    toInt(address) >= toInt(span.start) && toInt(address) <= toInt(span.end);
  const present = new Set((before?.exclusions ?? []).map(rangeKey));
  const outside = [
    ...(parts.has('exclusions') ? write.content.exclusions : [])
      .filter((range) => !present.has(rangeKey(range)) && !(inside(range.start) && inside(range.end)))
      .map((range) => `exclusion ${rangeKey(range)}`),
    ...(parts.has('reservations') ? write.content.reservations : [])
      .filter(({ address }) => address !== undefined && !inside(address))
      .filter((reservation) => {
        const current = before?.reservations.find((item) => item.address === reservation.address);
        return !current || windowsClientId(current) !== windowsClientId(reservation);
      })
      .map(({ address }) => `reservation ${address}`),
  ];
  if (outside.length === 0) return;
  throw new DriverError(
    DriverErrorCode.unsupported,
    `${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside the scope's address range ` +
      `${rangeKey(span)}, and Windows keeps exclusions and reservations inside it; nothing of the scope was written` +
      (parts.has('pools') ? '' : ' (replicating its pools too would widen the range)'),
  );
}
const rangeParameters = (range: AddressRange): string =>
  `-StartRange ${psString(range.start)} -EndRange ${psString(range.end)}`;
const toInt = (address: string): number =>
  address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);

/** One range within the other (either way). */
function nested(a: AddressRange, b: AddressRange): boolean {
  const [as, ae, bs, be] = [a.start, a.end, b.start, b.end].map(toInt);
  return (as <= bs && ae >= be) || (bs <= as && be >= ae);
}

function unionOf(a: AddressRange, b: AddressRange): AddressRange {
  return {
    start: toInt(a.start) <= toInt(b.start) ? a.start : b.start,
    end: toInt(a.end) >= toInt(b.end) ? a.end : b.end,
  };
}

function exclusionStatements(id: string, before: AddressRange[], after: AddressRange[]): string[] {
  const wanted = new Set(after.map(rangeKey));
  const present = new Set(before.map(rangeKey));
  return [
    ...before
      .filter((range) => !wanted.has(rangeKey(range)))
      .map(
        (range) =>
          `Remove-DhcpServerv4ExclusionRange -ScopeId ${id} -StartRange ${psString(range.start)} -EndRange ${psString(range.end)}`,
      ),
    ...after
      .filter((range) => !present.has(rangeKey(range)))
      .map(
        (range) =>
          `Add-DhcpServerv4ExclusionRange -ScopeId ${id} -StartRange ${psString(range.start)} -EndRange ${psString(range.end)}`,
      ),
  ];
}

/** `target` is `-ScopeId '<id>'` or `-ReservedIP '<address>'`. */
function optionStatements(target: string, before: DhcpOption[], after: DhcpOption[]): string[] {
  const wanted = new Map(after.filter((o) => o.code !== LEASE_OPTION).map((option) => [option.code, option]));
  const present = new Map(before.map((option) => [option.code, option]));
  const statements: string[] = [];
  for (const option of before) {
    if (!wanted.has(option.code)) {
      statements.push(`Remove-DhcpServerv4OptionValue ${target} -OptionId ${psInt(option.code)}`);
    }
  }
  for (const option of wanted.values()) {
    const values = optionValues(option.value);
    const current = present.get(option.code);
    if (current && optionValues(current.value).join('\n') === values.join('\n')) continue;
    statements.push(
      `Set-DhcpServerv4OptionValue ${target} -OptionId ${psInt(option.code)} -Value ${psList(values)}`,
    );
  }
  return statements;
}

/** The reservations, each with its address: Windows reserves an address, so one without cannot be written. */
function addressed(reservations: Reservation[]): Array<Reservation & { address: string }> {
  return reservations.map((reservation) => {
    if (reservation.address === undefined) {
      throw new DriverError(
        DriverErrorCode.invalidConfig,
        `the reservation ${reservationKey(reservation)} has no address; Windows reserves an address for a client, ` +
          'so it cannot be written',
      );
    }
    return reservation as Reservation & { address: string };
  });
}

function reservationStatements(id: string, before: ScopeContent | undefined, after: ScopeContent): string[] {
  const present = new Map(
    addressed(before?.reservations ?? []).map((reservation) => [reservation.address, reservation]),
  );
  const wanted = new Map(
    addressed(after.reservations).map((reservation) => [reservation.address, reservation]),
  );
  const statements: string[] = [];
  for (const [address, reservation] of present) {
    const next = wanted.get(address);
    // A reservation for another client is a new one: Windows keys reservations by address and client id.
    if (!next || windowsClientId(next) !== windowsClientId(reservation)) {
      statements.push(`Remove-DhcpServerv4Reservation -IPAddress ${psString(address)}`);
    }
  }
  for (const [address, reservation] of wanted) {
    const current = present.get(address);
    const ip = psString(address);
    const type = psString(reservationType(after, address));
    const fresh = !current || windowsClientId(current) !== windowsClientId(reservation);
    if (fresh) {
      statements.push(
        `Add-DhcpServerv4Reservation -ScopeId ${id} -IPAddress ${ip} -ClientId ${psString(windowsClientId(reservation))} ` +
          `-Name ${psString(reservation.name ?? '')} -Description ${psString(reservation.description ?? '')} -Type ${type}`,
      );
    } else if (
      (current.name ?? '') !== (reservation.name ?? '') ||
      (current.description ?? '') !== (reservation.description ?? '') ||
      (before && reservationType(before, address) !== reservationType(after, address))
    ) {
      statements.push(
        `Set-DhcpServerv4Reservation -IPAddress ${ip} -Name ${psString(reservation.name ?? '')} ` +
          `-Description ${psString(reservation.description ?? '')} -Type ${type}`,
      );
    }
    statements.push(
      ...optionStatements(`-ReservedIP ${ip}`, fresh ? [] : current.options, reservation.options),
    );
  }
  return statements;
}
