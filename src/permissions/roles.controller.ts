import { Body, Controller, Delete, Get, Headers, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, type Actor } from '../auth/actor.js';
import { Idempotent } from '../common/idempotency/idempotent.decorator.js';
import {
  ConditionalRead,
  Conflicts,
  createdHeaders,
  ETAG_HEADER,
  IfMatch,
  NotFound,
  Operation,
} from '../common/http/api-docs.decorators.js';
import { setEtag } from '../common/http/etag.js';
import { IdParam } from '../common/http/id-param.js';
import { PageOf, type Page } from '../common/http/pagination.js';
import { Authorize, GLOBAL } from './authorize.decorator.js';
import { Permission } from './permission.js';
import { CreateRoleDto, RoleDto, RoleQuery, UpdateRoleDto } from './role.dto.js';
import { RolesService } from './roles.service.js';

const RolePage = PageOf(RoleDto);
const ADMIN = { permission: Permission.administerAccess, resource: GLOBAL };

@ApiTags('roles')
@Controller('roles')
export class RolesController {
  constructor(private readonly roles: RolesService) {}

  @Post()
  @Idempotent()
  @Authorize(ADMIN)
  @Operation(
    'Create a custom role',
    'A named set of permission bits, to grant with `POST /grants`. Names are unique whatever their case (409). Send ' +
      '`Idempotency-Key` to retry safely. Needs `administer-access` on `global`.',
  )
  @ApiCreatedResponse({ type: RoleDto, headers: createdHeaders('the role') })
  @Conflicts('A role with that name exists (`existingId` names it).')
  async create(
    @Body() dto: CreateRoleDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) response: Response,
  ): Promise<RoleDto> {
    const role = await this.roles.create(dto, actor);
    setEtag(response, role.version);
    response.location(`/api/v1/roles/${role.id}`);
    return RoleDto.from(role);
  }

  @Get()
  @Authorize(ADMIN)
  @Operation(
    'List roles, built-in first',
    'Then by name. Filter by `builtIn`; page with `limit` and `offset`. Needs `administer-access` on `global`.',
  )
  @ApiOkResponse({ type: RolePage })
  async list(@Query() query: RoleQuery): Promise<Page<RoleDto>> {
    const page = await this.roles.list(query);
    return { ...page, items: page.items.map((item) => RoleDto.from(item)) };
  }

  @Get(':id')
  @Authorize(ADMIN)
  @Operation(
    'Read a role',
    'Its permission bits, and whether it is built in. Answers with an `ETag`; send it in `If-None-Match` for a 304 ' +
      'while the role is unchanged. Needs `administer-access` on `global`.',
  )
  @ApiOkResponse({ type: RoleDto, headers: ETAG_HEADER })
  @NotFound('role')
  @ConditionalRead('role')
  async get(@IdParam() id: string, @Res({ passthrough: true }) response: Response): Promise<RoleDto> {
    const role = await this.roles.get(id);
    setEtag(response, role.version);
    return RoleDto.from(role);
  }

  @Patch(':id')
  @Authorize(ADMIN)
  @Operation('Change a custom role', 'Built-in roles cannot be changed (409).')
  @ApiOkResponse({ type: RoleDto, headers: ETAG_HEADER })
  @NotFound('role')
  @IfMatch()
  @Conflicts('The role is built in, or the name is taken (`existingId` names the holder).')
  async update(
    @IdParam() id: string,
    @Body() dto: UpdateRoleDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) response: Response,
  ): Promise<RoleDto> {
    const role = await this.roles.update(id, dto, ifMatch, actor);
    setEtag(response, role.version);
    return RoleDto.from(role);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authorize(ADMIN)
  @Operation('Delete a custom role', 'Built-in roles and roles still granted cannot be deleted (409).')
  @ApiNoContentResponse({ description: 'Deleted.' })
  @NotFound('role')
  @IfMatch()
  @Conflicts('The role is built in, or grants still use it (`grants` counts them).')
  async remove(
    @IdParam() id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.roles.remove(id, ifMatch, actor);
  }
}
