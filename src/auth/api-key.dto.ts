import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsDate, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PageQuery } from '../common/http/pagination.js';
import { ToBoolean } from '../common/validation/to-boolean.js';
import { ISO_DATE_HINT, MinDateOf, ToIsoDate } from '../common/validation/to-iso-date.js';
import type { ApiKeyEntity } from './api-key.entity.js';

export class CreateApiKeyDto {
  /** The principal the key authenticates as. */
  @IsUUID()
  principalId!: string;

  /** What the key is for, e.g. `ansible on build-7`. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string;

  /** When the key stops working (ISO 8601); never, if absent. */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @ToIsoDate()
  @IsDate({ message: `expiresAt must be ${ISO_DATE_HINT}` })
  @MinDateOf(() => new Date(), 'expiresAt must be in the future')
  expiresAt?: Date;
}

export class ApiKeyQuery extends PageQuery {
  /** Only the keys of this principal. */
  @IsOptional()
  @IsUUID()
  principalId?: string;

  /** `true` for revoked keys only, `false` for keys not revoked (expired ones included: see `expiresAt`). */
  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @ToBoolean()
  @IsBoolean({ message: 'revoked must be true or false' })
  revoked?: boolean;
}

/** An API key as listed: never the key itself. */
export class ApiKeyDto {
  /** The key's id (not the key). */
  id!: string;
  /** The principal the key authenticates as. */
  principalId!: string;
  /** What the key is for, as given at creation (may be empty). */
  name!: string;
  /** The key's first characters, to tell keys apart. */
  prefix!: string;
  /** When the key was created. */
  createdAt!: Date;
  /** When the key stops working; `null`: never. */
  expiresAt!: Date | null;
  /** When the key was revoked; `null`: it was not. */
  revokedAt!: Date | null;
  /** When the key last authenticated a request; `null`: never used. */
  lastUsedAt!: Date | null;

  static from(entity: ApiKeyEntity): ApiKeyDto {
    const { id, principalId, name, prefix, createdAt, expiresAt, revokedAt, lastUsedAt } = entity;
    return { id, principalId, name, prefix, createdAt, expiresAt, revokedAt, lastUsedAt };
  }
}

/** The answer to creating a key: the only time the key is shown. */
export class CreatedApiKeyDto extends ApiKeyDto {
  /** The secret; store it now, it cannot be shown again. Send it as `Authorization: Bearer <key>`. */
  key!: string;
}
