import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQuery } from '../common/http/pagination.js';
import { ToBoolean } from '../common/validation/to-boolean.js';
import { PRINCIPAL_KINDS, type PrincipalEntity, type PrincipalKind } from './principal.entity.js';
import { IsOptionalNotNull } from '../common/validation/optional.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,99}$/;
const NAME_MESSAGE = 'name must be 1-100 letters, digits, spaces or "._@-", starting with a letter or digit';

export class CreatePrincipalDto {
  /** Unique name, e.g. `alice@example.net` or `terraform-ci`. */
  @Matches(NAME, { message: NAME_MESSAGE })
  name!: string;

  /** A person (`user`) or a service account (`service`). */
  @ApiProperty({ enum: PRINCIPAL_KINDS })
  @IsIn(PRINCIPAL_KINDS)
  kind!: PrincipalKind;

  /** Free text for people, up to 500 characters; empty if absent. */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class UpdatePrincipalDto {
  /** A new unique name (1-100 letters, digits, spaces or `._@-`). */
  @IsOptionalNotNull()
  @Matches(NAME, { message: NAME_MESSAGE })
  name?: string;

  /** Free text for people, up to 500 characters. */
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(500)
  description?: string;

  /** A disabled principal's keys stop working at once. */
  @IsOptionalNotNull()
  @IsBoolean()
  disabled?: boolean;
}

export class PrincipalQuery extends PageQuery {
  /** Only principals whose name contains this (case-insensitive). */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string;

  /** Only persons (`user`) or only service accounts (`service`). */
  @ApiPropertyOptional({ enum: PRINCIPAL_KINDS })
  @IsOptional()
  @IsIn(PRINCIPAL_KINDS)
  kind?: PrincipalKind;

  /** `true` for disabled principals only, `false` for enabled ones only. */
  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @ToBoolean()
  @IsBoolean({ message: 'disabled must be true or false' })
  disabled?: boolean;
}

export class PrincipalDto {
  /** The principal's id, for grants and API keys. */
  id!: string;
  /** Unique name, whatever its case. */
  name!: string;
  /** A person (`user`) or a service account (`service`). */
  @ApiProperty({ enum: PRINCIPAL_KINDS })
  kind!: PrincipalKind;
  /** Free text for people; empty if none. */
  description!: string;
  /** A disabled principal's API keys do not work. */
  disabled!: boolean;
  /** When the principal was created. */
  createdAt!: Date;
  /** When the principal last changed. */
  updatedAt!: Date;

  static from(entity: PrincipalEntity): PrincipalDto {
    const { id, name, kind, description, disabled, createdAt, updatedAt } = entity;
    return { id, name, kind, description, disabled, createdAt, updatedAt };
  }
}
