import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsDefined,
  IsIn,
  IsObject,
  IsOptional,
  IsUUID,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../common/http/pagination.js';
import { IsScopeNetwork } from '../common/validation/network.validators.js';
import type { GrantEntity } from './grant.entity.js';
import { PERMISSIONS, PERMISSIONS_ARRAY, type Permission } from './permission.js';
import { RESOURCE_TYPES, type ResourceType } from './resource.js';

/** Where a grant applies. */
export class ResourceDto {
  /**
   * `global` (everything), `server` (one server: its server-level bits, and scope bits on all its scopes),
   * `server-scopes` (all scopes of a server, scope bits only), `scope` (one scope of a server, scope bits only).
   */
  @ApiProperty({ enum: RESOURCE_TYPES })
  @IsIn(RESOURCE_TYPES)
  type!: ResourceType;

  /** The server, for every type but `global`. */
  @IsOptional()
  @IsUUID()
  serverId?: string;

  /** The scope's network address (e.g. `10.1.2.0`), for `scope` only. */
  @IsOptional()
  @IsScopeNetwork()
  network?: string;
}

export class CreateGrantDto {
  /** The principal that gets the role or bits. */
  @IsUUID()
  principalId!: string;

  /** Grant a role (built-in or custom)... */
  @IsOptional()
  @IsUUID()
  roleId?: string;

  /** ...and/or permission bits directly (at least one of `roleId` and `permissions`). */
  @ApiPropertyOptional({ enum: PERMISSIONS, isArray: true })
  @IsOptional()
  @IsArray({ message: PERMISSIONS_ARRAY })
  @ArrayMaxSize(PERMISSIONS.length)
  @ArrayUnique()
  @IsIn(PERMISSIONS, { each: true, message: `each permission must be one of ${PERMISSIONS.join(', ')}` })
  permissions?: Permission[];

  /** Where the grant applies, e.g. `{"type": "global"}`. */
  @IsDefined()
  @IsObject({ message: 'resource must be an object such as {"type": "global"}' })
  @ValidateNested()
  @Type(() => ResourceDto)
  resource!: ResourceDto;
}

export class GrantQuery extends PageQuery {
  /** Only the grants of this principal. */
  @IsOptional()
  @IsUUID()
  principalId?: string;

  /** Only the grants of this role. */
  @IsOptional()
  @IsUUID()
  roleId?: string;

  /** Only the grants on this server (its `server`, `server-scopes` and `scope` resources). */
  @IsOptional()
  @IsUUID()
  serverId?: string;

  /** Only the grants on this type of resource. */
  @ApiPropertyOptional({ enum: RESOURCE_TYPES })
  @IsOptional()
  @IsIn(RESOURCE_TYPES)
  resourceType?: ResourceType;
}

export class GrantDto {
  /** The grant's id. */
  id!: string;
  /** The principal the grant is for. */
  principalId!: string;
  /** The role granted; `null` when only bits were granted. */
  roleId!: string | null;
  /** The permission bits granted directly (the role's bits are on the role). */
  @ApiProperty({ enum: PERMISSIONS, isArray: true })
  permissions!: Permission[];
  /** Where the grant applies. */
  resource!: ResourceDto;
  /** The principal that created the grant; `null` for the bootstrap administrator's grant. */
  createdBy!: string | null;
  /** When the grant was created. */
  createdAt!: Date;

  static from(entity: GrantEntity): GrantDto {
    const resource: ResourceDto = { type: entity.resourceType };
    if (entity.serverId) resource.serverId = entity.serverId;
    if (entity.network) resource.network = entity.network;
    const { id, principalId, roleId, permissions, createdBy, createdAt } = entity;
    return { id, principalId, roleId, permissions, resource, createdBy, createdAt };
  }
}
