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

  @ApiProperty({ enum: VENDORS })
  @IsIn(VENDORS)
  vendor!: Vendor;

  /** The server's DHCP address or host name (what failover partners use). */
  @IsHostOrIp()
  address!: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiProperty(CONNECTION_SCHEMA)
  @IsObject()
  connection!: Record<string, unknown>;
}

export class UpdateServerDto {
  @IsOptionalNotNull()
  @Matches(NAME, { message: NAME_MESSAGE })
  name?: string;

  @IsOptionalNotNull()
  @IsHostOrIp()
  address?: string;

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
  id!: string;
  name!: string;
  @ApiProperty({ enum: VENDORS })
  vendor!: Vendor;
  address!: string;
  description!: string;
  /** Connection settings without secrets. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  connection!: Record<string, unknown>;
  /** Names of the secrets held (e.g. `password`); their values are never returned. */
  secretsSet!: string[];
  createdAt!: Date;
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
  version?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  facts?: Record<string, unknown>;
  /** Why it failed: `unreachable`, `auth`, ... with the vendor's message. */
  @ApiPropertyOptional({
    type: 'object',
    properties: { code: { type: 'string' }, message: { type: 'string' } },
  })
  error?: { code: string; message: string };
  durationMs!: number;
}
