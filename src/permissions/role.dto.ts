import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { PageQuery } from '../common/http/pagination.js';
import { ToBoolean } from '../common/validation/to-boolean.js';
import { PERMISSIONS, PERMISSIONS_ARRAY, type Permission } from './permission.js';
import type { RoleEntity } from './role.entity.js';
import { IsOptionalNotNull } from '../common/validation/optional.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ()._-]{0,99}$/;
const NAME_MESSAGE = 'name must be 1-100 letters, digits, spaces or "()._-", starting with a letter or digit';
const PERMISSIONS_MESSAGE = `each permission must be one of ${PERMISSIONS.join(', ')}`;

export class CreateRoleDto {
  /** Unique name whatever its case: 1-100 letters, digits, spaces or `()._-`, e.g. `Scope editors (lab)`. */
  @Matches(NAME, { message: NAME_MESSAGE })
  name!: string;

  /** Free text for people, up to 500 characters; empty if absent. */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  /** The permission bits the role gives, at least one, each once. */
  @ApiProperty({ enum: PERMISSIONS, isArray: true })
  @ArrayMinSize(1)
  @IsArray({ message: PERMISSIONS_ARRAY })
  @ArrayMaxSize(PERMISSIONS.length)
  @ArrayUnique()
  @IsIn(PERMISSIONS, { each: true, message: PERMISSIONS_MESSAGE })
  permissions!: Permission[];
}

export class UpdateRoleDto {
  /** A new unique name (1-100 letters, digits, spaces or `()._-`). */
  @IsOptionalNotNull()
  @Matches(NAME, { message: NAME_MESSAGE })
  name?: string;

  /** Free text for people, up to 500 characters. */
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(500)
  description?: string;

  /** The role's new set of permission bits (replaces the old set), at least one. */
  @ApiPropertyOptional({ enum: PERMISSIONS, isArray: true })
  @IsOptionalNotNull()
  @ArrayMinSize(1)
  @IsArray({ message: PERMISSIONS_ARRAY })
  @ArrayMaxSize(PERMISSIONS.length)
  @ArrayUnique()
  @IsIn(PERMISSIONS, { each: true, message: PERMISSIONS_MESSAGE })
  permissions?: Permission[];
}

export class RoleQuery extends PageQuery {
  /** `true` for built-in roles only, `false` for custom roles only. */
  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @ToBoolean()
  @IsBoolean({ message: 'builtIn must be true or false' })
  builtIn?: boolean;
}

export class RoleDto {
  /** The role's id, for grants. */
  id!: string;
  /** Unique name, whatever its case. */
  name!: string;
  /** Free text for people; empty if none. */
  description!: string;
  /** Built-in roles cannot be changed or deleted. */
  builtIn!: boolean;
  /** The permission bits the role gives. */
  @ApiProperty({ enum: PERMISSIONS, isArray: true })
  permissions!: Permission[];
  /** When the role was created. */
  createdAt!: Date;
  /** When the role last changed. */
  updatedAt!: Date;

  static from(entity: RoleEntity): RoleDto {
    const { id, name, description, builtIn, permissions, createdAt, updatedAt } = entity;
    return { id, name, description, builtIn, permissions, createdAt, updatedAt };
  }
}
