import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { FieldError } from '../common/problem/problem-details.js';
import { ProblemException } from '../common/problem/problem.exception.js';
import { flattenValidationErrors } from '../common/validation/validation-errors.js';
import type { FailoverMode } from '../vendors/driver.js';
import type { Vendor } from '../vendors/vendor.js';
import { KeaHaSettingsDto } from './dto/kea-ha-settings.dto.js';
import type { CreateRelationshipDto } from './dto/relationship.dto.js';

/** The two roles each mode takes, in either order. */
const ROLES_BY_MODE: Record<FailoverMode, [string, string]> = {
  'hot-standby': ['primary', 'standby'],
  'load-balancing': ['primary', 'secondary'],
  'passive-backup': ['primary', 'backup'],
};

const SETTINGS_BY_VENDOR: Partial<Record<Vendor, new () => object>> = { kea: KeaHaSettingsDto };
const MODES_BY_VENDOR: Record<Vendor, readonly FailoverMode[]> = {
  kea: ['hot-standby', 'load-balancing', 'passive-backup'],
  isc: ['hot-standby', 'load-balancing'],
  windows: ['hot-standby', 'load-balancing'],
};

/** The rules across fields of a relationship request; throws a validation problem listing each broken one. */
export function assertRelationshipShape(dto: CreateRelationshipDto): Record<string, unknown> {
  const errors: FieldError[] = [];
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
  const expected = ROLES_BY_MODE[dto.mode];
  const given = dto.servers.map((server) => server.role).sort();
  if (given.join() !== [...expected].sort().join()) {
    errors.push({ field: 'servers', message: `${dto.mode} takes one ${expected[0]} and one ${expected[1]}` });
  }
  const settings = parseSettings(dto.vendor, dto.settings ?? {}, errors);
  if (errors.length > 0) {
    throw ProblemException.validation(errors);
  }
  return settings;
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
