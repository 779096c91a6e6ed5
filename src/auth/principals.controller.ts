import { Body, Controller, Delete, Get, Headers, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
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
import { PageOf, type Page } from '../common/http/pagination.js';
import { IdParam } from '../common/http/id-param.js';
import { Authorize, GLOBAL } from '../permissions/authorize.decorator.js';
import { Permission } from '../permissions/permission.js';
import { CurrentActor, type Actor } from './actor.js';
import { CreatePrincipalDto, PrincipalDto, PrincipalQuery, UpdatePrincipalDto } from './principal.dto.js';
import { PrincipalsService } from './principals.service.js';

const PrincipalPage = PageOf(PrincipalDto);
const ADMIN = { permission: Permission.administerAccess, resource: GLOBAL };

@ApiTags('principals')
@Controller('principals')
export class PrincipalsController {
  constructor(private readonly principals: PrincipalsService) {}

  @Post()
  @Idempotent()
  @Authorize(ADMIN)
  @Operation(
    'Create a principal (a person or a service account)',
    'A principal holds API keys and grants; it has no permission until granted one (`POST /grants`). Names are ' +
      'unique whatever their case (409). Send `Idempotency-Key` to retry safely. Needs `administer-access` on ' +
      '`global`.',
  )
  @ApiCreatedResponse({ type: PrincipalDto, headers: createdHeaders('the principal') })
  @Conflicts('A principal with that name exists (`existingId` names it).')
  async create(
    @Body() dto: CreatePrincipalDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PrincipalDto> {
    const principal = await this.principals.create(dto, actor);
    setEtag(response, principal.version);
    response.location(`/api/v1/principals/${principal.id}`);
    return PrincipalDto.from(principal);
  }

  @Get()
  @Authorize(ADMIN)
  @Operation(
    'List principals',
    'By name. Filter by `name` (contains, case-insensitive), `kind` and `disabled`; page with `limit` and `offset`. ' +
      'Needs `administer-access` on `global`.',
  )
  @ApiOkResponse({ type: PrincipalPage })
  async list(@Query() query: PrincipalQuery): Promise<Page<PrincipalDto>> {
    const page = await this.principals.list(query);
    return { ...page, items: page.items.map((item) => PrincipalDto.from(item)) };
  }

  @Get(':id')
  @Authorize(ADMIN)
  @Operation(
    'Read a principal',
    'Answers with an `ETag`; send it in `If-None-Match` for a 304 while the principal is unchanged. Needs ' +
      '`administer-access` on `global`.',
  )
  @ApiOkResponse({ type: PrincipalDto, headers: ETAG_HEADER })
  @NotFound('principal')
  @ConditionalRead('principal')
  async get(@IdParam() id: string, @Res({ passthrough: true }) response: Response): Promise<PrincipalDto> {
    const principal = await this.principals.get(id);
    setEtag(response, principal.version);
    return PrincipalDto.from(principal);
  }

  @Patch(':id')
  @Authorize(ADMIN)
  @Operation(
    'Change a principal (name, description, disabled)',
    'Only the fields sent change. Disabling a principal stops its API keys at once; the last enabled principal ' +
      'with a global Administrators grant cannot be disabled (409). Send the `ETag` you read in `If-Match` (412 if ' +
      'it changed since). Needs `administer-access` on `global`.',
  )
  @ApiOkResponse({ type: PrincipalDto, headers: ETAG_HEADER })
  @NotFound('principal')
  @IfMatch()
  @Conflicts(
    'The name is taken (`existingId` names the holder), or this would disable the last administrator.',
  )
  async update(
    @IdParam() id: string,
    @Body() dto: UpdatePrincipalDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PrincipalDto> {
    const principal = await this.principals.update(id, dto, ifMatch, actor);
    setEtag(response, principal.version);
    return PrincipalDto.from(principal);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authorize(ADMIN)
  @Operation(
    'Delete a principal with its API keys and grants',
    'Its keys stop working at once; each grant deleted is audited. The last administrator cannot be deleted (409). ' +
      'Send the `ETag` you read in `If-Match` (412 if it changed since). Needs `administer-access` on `global`.',
  )
  @ApiNoContentResponse({ description: 'Deleted.' })
  @NotFound('principal')
  @IfMatch()
  @Conflicts('This is the last administrator.')
  async remove(
    @IdParam() id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.principals.remove(id, ifMatch, actor);
  }
}
