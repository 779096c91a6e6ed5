import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQuery } from '../../common/http/pagination.js';
import { IsHostOrIp } from '../../common/validation/network.validators.js';
import { VENDORS, type Vendor } from '../../vendors/vendor.js';
import type { ServerEntity } from '../server.entity.js';
import { IscConnectionDto } from './isc-connection.dto.js';
import { KeaConnectionDto } from './kea-connection.dto.js';
import { WindowsConnectionDto } from './windows-connection.dto.js';
import { IsOptionalNotNull } from '../../common/validation/optional.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const NAME_MESSAGE = 'name must be 1-100 letters, digits or "._-", starting with a letter or digit';
const CONNECTION_SCHEMA = {
  oneOf: [
    { $ref: getSchemaPath(KeaConnectionDto) },
    { $ref: getSchemaPath(IscConnectionDto) },
    { $ref: getSchemaPath(WindowsConnectionDto) },
  ],
  description:
    'Per vendor: KeaConnectionDto, IscConnectionDto or WindowsConnectionDto. Secrets are write-only.',
};

@ApiExtraModels(KeaConnectionDto, IscConnectionDto, WindowsConnectionDto)
export class CreateServerDto {
  /** Unique name, e.g. `dhcp1`. */
  @Matches(NAME, { message: NAME_MESSAGE })
  name!: string;

  /** `kea` (ISC Kea 2.2), `isc` (ISC dhcpd 4.4) or `windows` (Windows Server DHCP); it cannot change later. */
  @ApiProperty({ enum: VENDORS })
  @IsIn(VENDORS)
  vendor!: Vendor;

  /** The server's DHCP address or host name (what failover partners use). */
  @IsHostOrIp()
  address!: string;

  /** Free text for people, up to 500 characters; empty if absent. */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiProperty(CONNECTION_SCHEMA)
  @IsObject()
  connection!: Record<string, unknown>;
}

export class UpdateServerDto {
  /** A new unique name (1-100 letters, digits or `._-`). */
  @IsOptionalNotNull()
  @Matches(NAME, { message: NAME_MESSAGE })
  name?: string;

  /** The server's new DHCP address or host name, e.g. `10.0.0.11` or `dhcp1.example.net`. */
  @IsOptionalNotNull()
  @IsHostOrIp()
  address?: string;

  /** Free text for people, up to 500 characters. */
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(500)
  description?: string;

  /**
   * Merged into the registered settings: fields given replace, fields absent stay. A secret set to `null` is
   * removed; a secret absent is kept.
   */
  @ApiPropertyOptional(CONNECTION_SCHEMA)
  @IsOptionalNotNull()
  @IsObject()
  connection?: Record<string, unknown>;
}

export class ServerQuery extends PageQuery {
  /** Only servers of this vendor. */
  @ApiPropertyOptional({ enum: VENDORS })
  @IsOptional()
  @IsIn(VENDORS)
  vendor?: Vendor;

  /** Only servers whose name contains this (case-insensitive). */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string;

  /** Only servers with exactly this address. */
  @IsOptional()
  @IsString()
  @MaxLength(253)
  address?: string;
}

export class ServerDto {
  /** The server's id, in paths and grants. */
  id!: string;
  /** Unique name, whatever its case. */
  name!: string;
  /** `kea` (ISC Kea 2.2), `isc` (ISC dhcpd 4.4) or `windows` (Windows Server DHCP). */
  @ApiProperty({ enum: VENDORS })
  vendor!: Vendor;
  /** The server's DHCP address or host name (what failover partners use). */
  address!: string;
  /** Free text for people; empty if none. */
  description!: string;
  /** Connection settings without secrets. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  connection!: Record<string, unknown>;
  /** Names of the secrets held (e.g. `password`); their values are never returned. */
  secretsSet!: string[];
  /** When the server was registered. */
  createdAt!: Date;
  /** When the registration last changed. */
  updatedAt!: Date;

  static from(entity: ServerEntity): ServerDto {
    const { id, name, vendor, address, description, connection, secretNames, createdAt, updatedAt } = entity;
    return {
      id,
      name,
      vendor,
      address,
      description,
      connection,
      secretsSet: secretNames,
      createdAt,
      updatedAt,
    };
  }
}

export class ConnectionTestResultDto {
  /** Whether the server answered with the registered settings. */
  ok!: boolean;
  /** Product as the server reports it, when reached. */
  software?: string;
  /** Version as the server reports it, e.g. `4.4.3` or `2.2.0`, when reached. */
  version?: string;
  /**
   * What else was learnt, by vendor: ISC its config files, subnets and failover peers; Kea its hooks, subnet count
   * and HA state; Windows its server name, scope count and failover relationships.
   */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  facts?: Record<string, unknown>;
  /** Why it failed: `unreachable`, `auth`, ... with the vendor's message. */
  @ApiPropertyOptional({
    type: 'object',
    properties: { code: { type: 'string' }, message: { type: 'string' } },
  })
  error?: { code: string; message: string };
  /** How long the test took, in milliseconds. */
  durationMs!: number;
}
