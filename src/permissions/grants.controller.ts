import { Body, Controller, Delete, Get, Headers, HttpCode, Post, Query, Res } from '@nestjs/common';
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
import { CreateGrantDto, GrantDto, GrantQuery } from './grant.dto.js';
import { GrantsService } from './grants.service.js';
import { Permission } from './permission.js';

const GrantPage = PageOf(GrantDto);
const ADMIN = { permission: Permission.administerAccess, resource: GLOBAL };

@ApiTags('grants')
@Controller('grants')
export class GrantsController {
  constructor(private readonly grants: GrantsService) {}

  @Post()
  @Idempotent()
  @Authorize(ADMIN)
  @Operation(
    'Grant a role or permission bits to a principal on a resource',
    'Grants cannot be changed; delete and create again. Scope-level bits go on `scope`, `server-scopes` or ' +
      '`global` resources; server-level bits on `server` or `global`.',
  )
  @ApiCreatedResponse({ type: GrantDto, headers: createdHeaders('the grant') })
  @Conflicts(
    'The principal has this grant already (same role, permissions in any order, and resource): `existingGrantId` ' +
      'names it.',
  )
  async create(
    @Body() dto: CreateGrantDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) response: Response,
  ): Promise<GrantDto> {
    const grant = await this.grants.create(dto, actor);
    setEtag(response, grant.version);
    response.location(`/api/v1/grants/${grant.id}`);
    return GrantDto.from(grant);
  }

  @Get()
  @Authorize(ADMIN)
  @Operation(
    'List grants',
    'Oldest first. Filter by `principalId`, `roleId`, `serverId` and `resourceType`; page with `limit` and ' +
      '`offset`. Needs `administer-access` on `global`.',
  )
  @ApiOkResponse({ type: GrantPage })
  async list(@Query() query: GrantQuery): Promise<Page<GrantDto>> {
    const page = await this.grants.list(query);
    return { ...page, items: page.items.map((item) => GrantDto.from(item)) };
  }

  @Get(':id')
  @Authorize(ADMIN)
  @Operation(
    'Read a grant',
    'Answers with an `ETag`; send it in `If-None-Match` for a 304 while the grant is unchanged. Needs ' +
      '`administer-access` on `global`.',
  )
  @ApiOkResponse({ type: GrantDto, headers: ETAG_HEADER })
  @NotFound('grant')
  @ConditionalRead('grant')
  async get(@IdParam() id: string, @Res({ passthrough: true }) response: Response): Promise<GrantDto> {
    const grant = await this.grants.get(id);
    setEtag(response, grant.version);
    return GrantDto.from(grant);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authorize(ADMIN)
  @Operation(
    'Delete a grant',
    'The principal loses what the grant gave at once. The last global Administrators grant of an enabled ' +
      'principal cannot be deleted (409). Send the `ETag` you read in `If-Match` (412 if it changed since). Needs ' +
      '`administer-access` on `global`.',
  )
  @ApiNoContentResponse({ description: 'Deleted.' })
  @NotFound('grant')
  @IfMatch()
  @Conflicts('This is the last global Administrators grant.')
  async remove(
    @IdParam() id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.grants.remove(id, ifMatch, actor);
  }
}
