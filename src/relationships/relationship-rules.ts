import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { FieldError } from '../common/problem/problem-details.js';
import { ProblemException } from '../common/problem/problem.exception.js';
import { flattenValidationErrors } from '../common/validation/validation-errors.js';
import type { FailoverMode, ServerTarget } from '../vendors/driver.js';
import type { Vendor } from '../vendors/vendor.js';
import { IscFailoverSettingsDto } from './dto/isc-failover-settings.dto.js';
import { KeaHaSettingsDto } from './dto/kea-ha-settings.dto.js';
import { WindowsFailoverSettingsDto } from './dto/windows-failover-settings.dto.js';
import { readOnlySettingErrors } from './relationship-secrets.js';
import type { CreateRelationshipDto } from './dto/relationship.dto.js';

/** The two roles each mode takes, in either order. */
const ROLES_BY_MODE: Record<FailoverMode, [string, string]> = {
  'hot-standby': ['primary', 'standby'],
  'load-balancing': ['primary', 'secondary'],
  'passive-backup': ['primary', 'backup'],
};
/** dhcpd knows primary and secondary only; the mode is the primary's split (see IscFailoverSettingsDto). */
const ROLES_BY_VENDOR: Partial<Record<Vendor, Partial<Record<FailoverMode, [string, string]>>>> = {
  isc: { 'hot-standby': ['primary', 'secondary'], 'load-balancing': ['primary', 'secondary'] },
};
/** Per-server settings each vendor takes (RelationshipServerSettingsDto holds them all). */
const SERVER_SETTINGS_BY_VENDOR: Record<Vendor, readonly string[]> = {
  kea: ['autoFailover'],
  isc: ['address', 'port'],
  windows: [],
};

const SETTINGS_BY_VENDOR: Partial<Record<Vendor, new () => object>> = {
  kea: KeaHaSettingsDto,
  isc: IscFailoverSettingsDto,
  windows: WindowsFailoverSettingsDto,
};
const MODES_BY_VENDOR: Record<Vendor, readonly FailoverMode[]> = {
  kea: ['hot-standby', 'load-balancing', 'passive-backup'],
  isc: ['hot-standby', 'load-balancing'],
  windows: ['hot-standby', 'load-balancing'],
};

/** The rules across fields of a relationship request; throws a validation problem listing each broken one. */
export function assertRelationshipShape(
  dto: CreateRelationshipDto,
  requested: Record<string, unknown> | undefined = dto.settings,
): Record<string, unknown> {
  // Read-only settings are refused as the caller gave them (a PATCH's merge carries the stored ones along).
  const errors: FieldError[] = readOnlySettingErrors(requested);
  if (!MODES_BY_VENDOR[dto.vendor].includes(dto.mode)) {
    errors.push({
      field: 'mode',
      message: `${dto.vendor} supports ${MODES_BY_VENDOR[dto.vendor].join(', ')}`,
    });
  }
  const [a, b] = dto.servers;
  if (a && b && a.serverId === b.serverId) {
    errors.push({ field: 'servers[1].serverId', message: 'the two servers must differ' });
  }
  const expected = ROLES_BY_VENDOR[dto.vendor]?.[dto.mode] ?? ROLES_BY_MODE[dto.mode];
  const given = dto.servers.map((server) => server.role).sort();
  if (given.join() !== [...expected].sort().join()) {
    errors.push({ field: 'servers', message: `${dto.mode} takes one ${expected[0]} and one ${expected[1]}` });
  }
  for (const [i, server] of dto.servers.entries()) {
    for (const [key, value] of Object.entries(server.settings ?? {})) {
      if (value !== undefined && !SERVER_SETTINGS_BY_VENDOR[dto.vendor].includes(key)) {
        errors.push({
          field: `servers[${i}].settings.${key}`,
          message: `${key} is not a ${dto.vendor} setting (${dto.vendor} takes ${SERVER_SETTINGS_BY_VENDOR[dto.vendor].join(', ') || 'none'})`,
        });
      }
    }
  }
  const settingErrors: FieldError[] = [];
  const settings = parseSettings(dto.vendor, dto.settings ?? {}, settingErrors);
  // A PATCH carries the stored settings along, which the servers hold (one found on them may hold a value beyond
  // this API's bounds, such as Kea's 32-bit sync-timeout): only the settings the caller sends are checked.
  errors.push(
    ...settingErrors.filter(
      (error) =>
        requested === dto.settings ||
        !error.field.startsWith('settings.') ||
        sentSetting(error.field, requested),
    ),
  );
  if (dto.vendor === 'isc') errors.push(...iscSplitRules(dto, requested ?? {}));
  if (dto.vendor === 'kea') errors.push(...keaModeRules(dto, settings));
  if (dto.vendor === 'windows') errors.push(...windowsModeRules(dto, requested ?? {}));
  if (errors.length > 0) {
    throw ProblemException.validation(errors);
  }
  return settings;
}

/** Whether `field` (`settings.<key>...`) names a setting in `requested`. */
function sentSetting(field: string, requested: Record<string, unknown> | undefined): boolean {
  const key = field.slice('settings.'.length).split(/[.[]/, 1)[0];
  return requested !== undefined && key in requested;
}

function parseSettings(
  vendor: Vendor,
  raw: Record<string, unknown>,
  errors: FieldError[],
): Record<string, unknown> {
  const shape = SETTINGS_BY_VENDOR[vendor];
  if (!shape) {
    return raw;
  }
  const instance = plainToInstance(shape, raw);
  errors.push(
    ...flattenValidationErrors(
      validateSync(instance, {
        whitelist: true,
        forbidNonWhitelisted: true,
        validationError: { target: false },
      }),
      'settings',
    ),
  );
  return Object.fromEntries(Object.entries(instance).filter(([, value]) => value !== undefined));
}

/**
 * dhcpd's split is the primary's share of the clients, of 256: hot-standby is 256 (the primary answers every client)
 * or 0 (the secondary does: a relationship found so on the servers is hot-standby), load-balancing shares them (1-255;
 * 0 and 256 would leave one server idle, which is hot-standby). Only a split the caller sends is checked: a PATCH
 * carries the stored one along, which the servers had.
 */
function iscSplitRules(dto: CreateRelationshipDto, requested: Record<string, unknown>): FieldError[] {
  const split = requested['split'];
  if (typeof split !== 'number') return [];
  if (dto.mode === 'hot-standby' && split !== 256 && split !== 0) {
    return [
      {
        field: 'settings.split',
        message:
          'hot-standby has one server answer every client (split 256: the primary, 0: the secondary); use load-balancing to share them',
      },
    ];
  }
  if (dto.mode === 'load-balancing' && (split === 0 || split === 256)) {
    return [
      {
        field: 'settings.split',
        message:
          'load-balancing shares the clients: split 1-255 (0 or 256 leaves one server idle: hot-standby)',
      },
    ];
  }
  return [];
}

/** Settings that belong to one mode only: what a change of mode drops from the stored settings. */
const MODE_ONLY_SETTINGS: Partial<Record<Vendor, Partial<Record<FailoverMode, readonly string[]>>>> = {
  // Windows: two parameter sets of Add-/Set-DhcpServerv4Failover.
  windows: { 'load-balancing': ['loadBalancePercent'], 'hot-standby': ['reservePercent'] },
  // dhcpd: the split is the mode (the new mode's default applies unless one is sent).
  isc: { 'load-balancing': ['split'], 'hot-standby': ['split'] },
  // Kea 2.2's HA hook takes these in one mode only (keaModeRules): kept, they would refuse every other mode.
  kea: { 'load-balancing': ['delayedUpdatesLimit'], 'passive-backup': ['waitBackupAck'] },
};

/**
 * The stored settings a PATCH carries along into a new mode: those of the mode left are dropped, unless the caller
 * sends them again (then they are checked as sent).
 */
export function settingsForMode(
  vendor: Vendor,
  from: FailoverMode,
  to: FailoverMode,
  stored: Record<string, unknown>,
  requested: Record<string, unknown>,
): Record<string, unknown> {
  if (from === to) return stored;
  const dropped = MODE_ONLY_SETTINGS[vendor]?.[from] ?? [];
  return Object.fromEntries(
    Object.entries(stored).filter(([key]) => !dropped.includes(key) || key in requested),
  );
}

/**
 * Kea 2.2's HA hook refuses these when it loads, which is after config-set has taken the configuration: the server is
 * then left without its HA hook. Refused here instead.
 */
function keaModeRules(dto: CreateRelationshipDto, settings: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const delayed = settings['delayedUpdatesLimit'];
  if (dto.mode !== 'load-balancing' && typeof delayed === 'number' && delayed > 0) {
    errors.push({
      field: 'settings.delayedUpdatesLimit',
      message: `${dto.mode} takes no delayed updates (Kea: only load-balancing); send 0 or null`,
    });
  }
  if (dto.mode !== 'passive-backup' && settings['waitBackupAck'] === true) {
    errors.push({
      field: 'settings.waitBackupAck',
      message: `waitBackupAck is for passive-backup only (Kea refuses it in ${dto.mode}); send false or null`,
    });
  }
  return errors;
}

/**
 * Windows takes the load-balance share in load balancing and the reserve in hot standby only (two parameter sets of
 * Add-/Set-DhcpServerv4Failover): the other one, asked for, would be recorded and never reach the servers. Only what
 * the caller sends is checked (a relationship found on the servers carries both).
 */
function windowsModeRules(dto: CreateRelationshipDto, requested: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const notFor = (key: string, mode: FailoverMode, other: FailoverMode): void => {
    if (dto.mode === mode && typeof requested[key] === 'number') {
      errors.push({
        field: `settings.${key}`,
        message: `${key} applies to ${other} only; Windows has no such setting in ${mode}`,
      });
    }
  };
  notFor('reservePercent', 'load-balancing', 'hot-standby');
  notFor('loadBalancePercent', 'hot-standby', 'load-balancing');
  return errors;
}

/**
 * The name a server goes by inside a new relationship: Kea, its registered name (this-server-name); ISC, the
 * `failover peer` name both servers declare (settings.peerName, else the relationship's name); Windows, the
 * relationship's name.
 */
export function peerNameFor(
  dto: CreateRelationshipDto,
  settings: Record<string, unknown>,
  target: ServerTarget,
): string {
  if (dto.vendor === 'isc') {
    return typeof settings['peerName'] === 'string' ? settings['peerName'] : dto.name;
  }
  // Windows: both servers know the relationship by its name.
  if (dto.vendor === 'windows') return dto.name;
  return target.name;
}

/**
 * Kea: one Control Agent serves one dhcp4 server, so two registrations at the same agent URL are one server, which
 * would be written as its own partner (the second write replacing the first). Refused by name.
 */
export function oneServerTwiceErrors(dto: CreateRelationshipDto, targets: ServerTarget[]): FieldError[] {
  const [a, b] = targets;
  if (dto.vendor !== 'kea' || !a || !b || a.id === b.id) return [];
  const agentOf = (target: ServerTarget): string | undefined => {
    try {
      return new URL(String(target.connection['url'])).href;
    } catch {
      return undefined;
    }
  };
  const url = agentOf(a);
  if (url === undefined || url !== agentOf(b)) return [];
  return [
    {
      field: 'servers[1].serverId',
      message:
        `${b.name} and ${a.name} are registered at the same Control Agent (${url}), so they are one Kea server; ` +
        'an HA relationship takes two',
    },
  ];
}
