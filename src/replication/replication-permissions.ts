import { Permission } from '../permissions/permission.js';
import type { PermissionService } from '../permissions/permission.service.js';
import type { ScopePart } from '../vendors/scope-content.js';

/** Each scope-level bit lets one part of a scope be replicated (the seed's access bits). */
export const PART_BY_PERMISSION = {
  [Permission.readWriteScopeOptions]: 'options',
  [Permission.editReservations]: 'reservations',
  [Permission.editAddressPools]: 'pools',
  [Permission.editExclusions]: 'exclusions',
} as const satisfies Record<string, ScopePart>;

const SCOPE_BITS = Object.keys(PART_BY_PERMISSION) as Array<keyof typeof PART_BY_PERMISSION>;

/** The parts `principalId` may replace in `network`: bits held on the scope on both servers (it reads one, writes the other). */
export async function replaceableParts(
  permissions: PermissionService,
  principalId: string,
  network: string,
  serverIds: string[],
): Promise<ScopePart[]> {
  const held = await Promise.all(
    serverIds.map((serverId) =>
      permissions.heldOf(principalId, SCOPE_BITS, { type: 'scope', serverId, network }),
    ),
  );
  return SCOPE_BITS.filter((bit) => held.every((bits) => bits.includes(bit))).map(
    (bit) => PART_BY_PERMISSION[bit],
  );
}
