import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../../common/http/pagination.js';
import { IsIpv4OrHostName } from '../../common/validation/network.validators.js';
import { ToBoolean } from '../../common/validation/to-boolean.js';
import { VENDORS, type Vendor } from '../../vendors/vendor.js';
import type { FailoverMode } from '../../vendors/driver.js';
import {
  membersInOrder,
  RELATIONSHIP_STATUSES,
  type RelationshipEntity,
  type RelationshipStatus,
} from '../relationship.entity.js';
import { IscFailoverSettingsDto } from './isc-failover-settings.dto.js';
import { KeaHaSettingsDto } from './kea-ha-settings.dto.js';
import { WindowsFailoverSettingsDto } from './windows-failover-settings.dto.js';

export const FAILOVER_MODES = ['hot-standby', 'load-balancing', 'passive-backup'] as const;
export const SERVER_ROLES = ['primary', 'secondary', 'standby', 'backup'] as const;
export type ServerRole = (typeof SERVER_ROLES)[number];

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const SERVERS_MESSAGE =
  'each of servers must be an object such as { "serverId": "<uuid>", "role": "primary" }';

export class RelationshipServerSettingsDto {
  /** Kea: whether this server takes over automatically when its partner fails (default true). */
  @IsOptional()
  @IsBoolean()
  autoFailover?: boolean;

  /**
   * ISC: the IPv4 address or DNS name this server listens on for its partner (its `address`, the partner's
   * `peer address`); default: the server's registered address.
   */
  @IsOptional()
  @IsIpv4OrHostName()
  address?: string;

  /** ISC: the TCP port this server listens on for its partner (its `port`, the partner's `peer port`); default 647. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  port?: number;
}

export class RelationshipServerDto {
  /** A registered server of the relationship's vendor. */
  @IsUUID()
  serverId!: string;

  /**
   * Kea: hot-standby takes primary + standby, load-balancing primary + secondary, passive-backup primary + backup.
   * ISC: primary + secondary in either mode. Windows: hot-standby primary (Active) + standby, load-balancing
   * primary + secondary.
   */
  @ApiProperty({ enum: SERVER_ROLES })
  @IsIn(SERVER_ROLES)
  role!: ServerRole;

  @IsOptional()
  @IsObject({ message: 'settings must be an object' })
  @ValidateNested()
  @Type(() => RelationshipServerSettingsDto)
  settings?: RelationshipServerSettingsDto;
}

@ApiExtraModels(KeaHaSettingsDto, IscFailoverSettingsDto, WindowsFailoverSettingsDto)
export class CreateRelationshipDto {
  /** Unique name, e.g. `dc1-pair`. */
  @Matches(NAME, { message: 'name must be 1-100 letters, digits or "._-", starting with a letter or digit' })
  name!: string;

  /** `kea`, `isc` or `windows`; both servers must be of this vendor. */
  @ApiProperty({ enum: VENDORS })
  @IsIn(VENDORS)
  vendor!: Vendor;

  /** `hot-standby` or `load-balancing` (every vendor), or `passive-backup` (Kea only). */
  @ApiProperty({ enum: FAILOVER_MODES })
  @IsIn(FAILOVER_MODES)
  mode!: FailoverMode;

  /** Exactly two registered servers of the relationship's vendor. */
  @ApiProperty({ type: [RelationshipServerDto], minItems: 2, maxItems: 2 })
  @ArrayMinSize(2)
  @ArrayMaxSize(2)
  @IsObject({ each: true, message: SERVERS_MESSAGE })
  @ValidateNested({ each: true })
  @Type(() => RelationshipServerDto)
  servers!: RelationshipServerDto[];

  /** Vendor settings: Kea, KeaHaSettingsDto; ISC, IscFailoverSettingsDto; Windows, WindowsFailoverSettingsDto. */
  @ApiPropertyOptional({
    oneOf: [
      { $ref: getSchemaPath(KeaHaSettingsDto) },
      { $ref: getSchemaPath(IscFailoverSettingsDto) },
      { $ref: getSchemaPath(WindowsFailoverSettingsDto) },
    ],
  })
  @IsOptional()
  @IsObject()
  settings?: Record<string, unknown>;
}

export class RelationshipQuery extends PageQuery {
  /**
   * Look for relationships configured on the registered servers first: `true` asks every server now; `false` lists
   * what is recorded; absent asks them when the last look is older than 30 seconds or the servers to ask changed
   * (registered, edited, unregistered, put in or taken out of a relationship).
   */
  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @ToBoolean()
  @IsBoolean({ message: 'discover must be true or false' })
  discover?: boolean;

  /** Only relationships that include this server. */
  @IsOptional()
  @IsUUID()
  serverId?: string;

  /** Only relationships of this vendor. */
  @ApiPropertyOptional({ enum: VENDORS })
  @IsOptional()
  @IsIn(VENDORS)
  vendor?: Vendor;

  /**
   * Only relationships whose recorded `status` is this (as last found by `GET /relationships/{id}/state`, see
   * `statusCheckedAt`): e.g. `impaired`, for a pipeline that looks after those.
   */
  @ApiPropertyOptional({ enum: RELATIONSHIP_STATUSES })
  @IsOptional()
  @IsIn(RELATIONSHIP_STATUSES)
  status?: RelationshipStatus;
}

export class RelationshipMemberDto {
  /** The registered server. */
  serverId!: string;
  /** The server's role in the relationship (which roles go together depends on the mode and vendor). */
  @ApiProperty({ enum: SERVER_ROLES })
  role!: string;
  /** The server's name inside the relationship (Kea: this-server-name; ISC: the `failover peer` name). */
  peerName!: string;
  /**
   * The server's own settings in the relationship (RelationshipServerSettingsDto: Kea `autoFailover`, ISC `address`
   * and `port`).
   */
  @ApiProperty({ type: 'object', additionalProperties: true })
  settings!: Record<string, unknown>;
}

export class RelationshipDto {
  /** The relationship's id, in paths. */
  id!: string;
  /** Unique name, e.g. `dc1-pair` (Windows: the failover relationship's name on both servers). */
  name!: string;
  /** `kea`, `isc` or `windows`, as both its servers. */
  @ApiProperty({ enum: VENDORS })
  vendor!: Vendor;
  /** `hot-standby`, `load-balancing`, or `passive-backup` (Kea only). */
  @ApiProperty({ enum: FAILOVER_MODES })
  mode!: FailoverMode;
  /** Its two servers, with their roles and per-server settings. */
  @ApiProperty({ type: [RelationshipMemberDto] })
  servers!: RelationshipMemberDto[];
  /**
   * Vendor settings, secrets left out: Kea, KeaHaSettingsDto; ISC, IscFailoverSettingsDto; Windows,
   * WindowsFailoverSettingsDto, with `messageAuthentication` saying whether a shared secret is set.
   */
  @ApiProperty({ type: 'object', additionalProperties: true })
  settings!: Record<string, unknown>;
  /**
   * As last found by `GET /relationships/{id}/state`: empty (no scope yet), normal, unknown (not asked yet, or a
   * partner's registration cannot tell its state, e.g. ISC without OMAPI, and nothing else is wrong), impaired (a
   * partner down or out of step), down (both unreachable).
   */
  @ApiProperty({ enum: RELATIONSHIP_STATUSES })
  status!: RelationshipStatus;
  /** When `status` was last asked of the servers; `null`: never. */
  statusCheckedAt!: Date | null;
  /** Found configured on the servers and not adopted yet (POST .../adopt); read-only until then. */
  discovered!: boolean;
  /** When the relationship was created or first discovered. */
  createdAt!: Date;
  /** When the relationship last changed. */
  updatedAt!: Date;

  static from(entity: RelationshipEntity): RelationshipDto {
    const { id, name, vendor, mode, status, statusCheckedAt, discovered, createdAt, updatedAt } = entity;
    // Secrets are sealed apart and never returned; Windows says whether message authentication is on.
    const settings =
      vendor === 'windows'
        ? {
            ...entity.settings,
            messageAuthentication:
              entity.sealedSecrets !== null || entity.settings['messageAuthentication'] === true,
          }
        : entity.settings;
    const servers = membersInOrder(entity).map(({ serverId, role, peerName, settings: serverSettings }) => ({
      serverId,
      role,
      peerName,
      settings: serverSettings,
    }));
    return {
      id,
      name,
      vendor,
      mode,
      servers,
      settings,
      status,
      statusCheckedAt,
      discovered,
      createdAt,
      updatedAt,
    };
  }
}

export class PartnerStateDto {
  /** The registered server asked. */
  serverId!: string;
  /** Its registered name. */
  serverName!: string;
  /** Whether the server answered. */
  reachable!: boolean;
  /**
   * Whether its registration can tell its failover state at all: false for an ISC server registered without OMAPI
   * (`error` says what to register). Such a partner makes the relationship `unknown`, not `impaired`, when nothing
   * else is wrong.
   */
  knowable!: boolean;
  /** The vendor's failover state, e.g. hot-standby, partner-down, waiting. */
  state?: string;
  /** The state this server last saw its partner in. */
  partnerState?: string;
  /** Kea: the scopes this server serves now (its `local` HA scopes), e.g. `["server1"]`. */
  scopesServed?: string[];
  /** Kea: the partner's `unacked-clients`, counted while the partner seems down. */
  unackedClients?: number;
  /** When the server last heard from its partner (ISO 8601), where the vendor tells. */
  lastContact?: string;
  /** Why the server could not be asked. */
  error?: string;
  /**
   * The vendor's own answer, for callers who need more (Kea's `high-availability` status, dhcpd's OMAPI failover
   * state, the Windows relationship).
   */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  detail?: Record<string, unknown>;
}

export class RelationshipStateDto {
  /**
   * empty (no scope yet), normal, unknown (a partner's registration cannot tell its state, e.g. ISC without OMAPI,
   * and nothing else is wrong), impaired (a partner down or out of step), down (both unreachable).
   */
  @ApiProperty({ enum: RELATIONSHIP_STATUSES })
  status!: RelationshipStatus;
  /** What each server said, in the relationship's order. */
  @ApiProperty({ type: [PartnerStateDto] })
  servers!: PartnerStateDto[];
  /** When the servers were asked. */
  checkedAt!: Date;
}

export class RemoveRelationshipQuery {
  /**
   * Windows, when the relationship has scopes: the server on which its scopes persist (the seed's "which server you
   * want the scopes to survive on"). Kea and ISC keep the scopes on both servers and take neither parameter.
   */
  @IsOptional()
  @IsUUID()
  keepScopesOn?: string;

  /** Windows, with `keepScopesOn`: what happens to the other server's copies of the scopes. */
  @ApiPropertyOptional({ enum: ['delete', 'disable'] })
  @IsOptional()
  @IsIn(['delete', 'disable'])
  otherCopies?: 'delete' | 'disable';

  /**
   * ISC, for a server with two or more failover peers besides the relationship's: the peer that its pools naming the
   * relationship's peer refer to instead, as `<serverId>:<peer name>`; repeat the parameter for the other server.
   * Needed only there (the seed's delete-peer rule decides the rest: the server's last peer → the references are
   * removed, one other peer → they move to it); when it is needed and missing, a 409 lists each such server's
   * choices in `replacements`, and nothing is changed.
   */
  @ApiPropertyOptional({
    type: [String],
    example: ['3f6c1d2e-8a4b-4c1d-9e2f-0a1b2c3d4e5f:dc-east'],
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? [value] : value))
  @IsArray()
  @ArrayMaxSize(2)
  @IsString({ each: true })
  replacement?: string[];

  /**
   * Kea: `true` removes the relationship even when a server cannot be reached (a partner that failed for good, which
   * otherwise keeps the relationship, and so its own registration, for ever): HA comes off each server that answers,
   * the record goes, and the answer names each server left as it was (`unreachable`), whose HA entry is to be taken
   * off by hand should it come back. Without it such a removal is a 502 that changes nothing.
   */
  @ApiPropertyOptional({ type: Boolean, default: false })
  @IsOptional()
  @ToBoolean()
  @IsBoolean({ message: 'skipUnreachable must be true or false' })
  skipUnreachable?: boolean;
}

/** ISC: what the seed's delete-peer rule did with the pools that named the relationship's peer on one server. */
export class RelationshipPeerRemovalDto {
  /** The relationship's failover peer on the server. */
  name!: string;
  /**
   * `references-removed`: it was the server's last peer, so its pools name none now; `references-moved`: they refer
   * to `replacement` now; `absent`: the server no longer declared it (taken off by hand), nothing was changed.
   */
  @ApiProperty({ enum: ['references-removed', 'references-moved', 'absent'] })
  outcome!: 'references-removed' | 'references-moved' | 'absent';
  /** With `references-moved`: the peer the pools refer to now (absent when no pool named it). */
  replacement?: string;
  /** Pools whose reference was removed or moved. */
  pools!: number;
  /** The subnets (CIDR) whose pools named it. */
  scopes!: string[];
}

export class DeleteRelationshipServerDto {
  /** The server. */
  serverId!: string;
  /** Whether failover configuration came off it (false: it had none left). */
  failoverRemoved!: boolean;
  /** Whether its copies of the relationship's scopes stay on it. */
  scopesKept!: boolean;
  /** Windows: what became of its copies of the scopes. */
  @ApiPropertyOptional({ enum: ['kept', 'deleted', 'disabled'] })
  scopes?: 'kept' | 'deleted' | 'disabled';
  /** ISC: what became of the pools that named the relationship's peer (the seed's delete-peer rule). */
  peer?: RelationshipPeerRemovalDto;
  /**
   * With `skipUnreachable=true`: why the server could not be reached. Its failover configuration is left as it was
   * (`failoverRemoved: false`).
   */
  unreachable?: string;
}

export class DeleteRelationshipResultDto {
  /** What happened on each server, in the relationship's order. */
  @ApiProperty({ type: [DeleteRelationshipServerDto] })
  servers!: DeleteRelationshipServerDto[];
  /** Human summary, e.g. "the HA hook came off both servers; their scopes stay". */
  detail!: string;
}

/** Changes to a relationship; absent fields stay. The two servers cannot change (create another relationship). */
export class UpdateRelationshipDto {
  /** A new mode of the vendor's (ISC: the default `split` of the new mode applies unless one is sent). */
  @ApiPropertyOptional({ enum: FAILOVER_MODES })
  @IsOptional()
  @IsIn(FAILOVER_MODES)
  mode?: FailoverMode;

  /** The same two servers, with new roles or per-server settings. */
  @ApiPropertyOptional({ type: [RelationshipServerDto], minItems: 2, maxItems: 2 })
  @IsOptional()
  @ArrayMinSize(2)
  @ArrayMaxSize(2)
  @IsObject({ each: true, message: SERVERS_MESSAGE })
  @ValidateNested({ each: true })
  @Type(() => RelationshipServerDto)
  servers?: RelationshipServerDto[];

  /** Merged into the current settings: keys given replace, keys absent stay, `null` resets one to the default. */
  @ApiPropertyOptional({
    oneOf: [
      { $ref: getSchemaPath(KeaHaSettingsDto) },
      { $ref: getSchemaPath(IscFailoverSettingsDto) },
      { $ref: getSchemaPath(WindowsFailoverSettingsDto) },
    ],
  })
  @IsOptional()
  @IsObject()
  settings?: Record<string, unknown>;
}
