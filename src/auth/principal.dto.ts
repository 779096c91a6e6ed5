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

  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class UpdatePrincipalDto {
  @IsOptionalNotNull()
  @Matches(NAME, { message: NAME_MESSAGE })
  name?: string;

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

  @ApiPropertyOptional({ enum: PRINCIPAL_KINDS })
  @IsOptional()
  @IsIn(PRINCIPAL_KINDS)
  kind?: PrincipalKind;

  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @ToBoolean()
  @IsBoolean({ message: 'disabled must be true or false' })
  disabled?: boolean;
}

export class PrincipalDto {
  id!: string;
  name!: string;
  @ApiProperty({ enum: PRINCIPAL_KINDS })
  kind!: PrincipalKind;
  description!: string;
  disabled!: boolean;
  createdAt!: Date;
  updatedAt!: Date;

  static from(entity: PrincipalEntity): PrincipalDto {
    const { id, name, kind, description, disabled, createdAt, updatedAt } = entity;
    return { id, name, kind, description, disabled, createdAt, updatedAt };
  }
}
