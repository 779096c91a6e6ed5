import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { PageQuery } from '../common/http/pagination.js';
import { ToBoolean } from '../common/validation/to-boolean.js';
import { PERMISSIONS, type Permission } from './permission.js';
import type { RoleEntity } from './role.entity.js';
import { IsOptionalNotNull } from '../common/validation/optional.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ()._-]{0,99}$/;
const NAME_MESSAGE = 'name must be 1-100 letters, digits, spaces or "()._-", starting with a letter or digit';
const PERMISSIONS_MESSAGE = `each permission must be one of ${PERMISSIONS.join(', ')}`;

export class CreateRoleDto {
  @Matches(NAME, { message: NAME_MESSAGE })
  name!: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiProperty({ enum: PERMISSIONS, isArray: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(PERMISSIONS.length)
  @ArrayUnique()
  @IsIn(PERMISSIONS, { each: true, message: PERMISSIONS_MESSAGE })
  permissions!: Permission[];
}

export class UpdateRoleDto {
  @IsOptionalNotNull()
  @Matches(NAME, { message: NAME_MESSAGE })
  name?: string;

  @IsOptionalNotNull()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ enum: PERMISSIONS, isArray: true })
  @IsOptionalNotNull()
  @ArrayMinSize(1)
  @ArrayMaxSize(PERMISSIONS.length)
  @ArrayUnique()
  @IsIn(PERMISSIONS, { each: true, message: PERMISSIONS_MESSAGE })
  permissions?: Permission[];
}

export class RoleQuery extends PageQuery {
  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @ToBoolean()
  @IsBoolean({ message: 'builtIn must be true or false' })
  builtIn?: boolean;
}

export class RoleDto {
  id!: string;
  name!: string;
  description!: string;
  /** Built-in roles cannot be changed or deleted. */
  builtIn!: boolean;
  @ApiProperty({ enum: PERMISSIONS, isArray: true })
  permissions!: Permission[];
  createdAt!: Date;
  updatedAt!: Date;

  static from(entity: RoleEntity): RoleDto {
    const { id, name, description, builtIn, permissions, createdAt, updatedAt } = entity;
    return { id, name, description, builtIn, permissions, createdAt, updatedAt };
  }
}
