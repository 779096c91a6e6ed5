import { Body, Controller, Delete, Get, Headers, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
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
import { Authorize, GLOBAL } from '../permissions/authorize.decorator.js';
import { Permission } from '../permissions/permission.js';
import { CurrentActor, type Actor } from './actor.js';
import { ApiKeyDto, ApiKeyQuery, CreateApiKeyDto, CreatedApiKeyDto } from './api-key.dto.js';
import { ApiKeysService } from './api-keys.service.js';

const ApiKeyPage = PageOf(ApiKeyDto);
const ADMIN = { permission: Permission.administerAccess, resource: GLOBAL };

@ApiTags('api-keys')
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @Authorize(ADMIN)
  @Operation(
    'Create an API key for a principal',
    'The answer holds the key in `key`; it is shown this once only. A disabled principal gets no key (409).',
  )
  @ApiCreatedResponse({
    type: CreatedApiKeyDto,
    headers: createdHeaders('the API key (never the key itself)'),
  })
  @Conflicts(
    'The principal (`principalId`) is disabled: enable it first (`PATCH /principals/{id}` with `disabled: false`).',
  )
  async create(
    @Body() dto: CreateApiKeyDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CreatedApiKeyDto> {
    const { entity, key } = await this.keys.create(dto, actor);
    response.location(`/api/v1/api-keys/${entity.id}`);
    response.setHeader('Cache-Control', 'no-store');
    setEtag(response, entity.version);
    return { ...ApiKeyDto.from(entity), key };
  }

  @Get()
  @Authorize(ADMIN)
  @Operation(
    'List API keys (never the keys themselves)',
    'Newest first, each with its `prefix` to tell keys apart. Filter by `principalId` and by `revoked` (`true`: ' +
      'revoked keys only; `false`: keys not revoked, expired ones included: see `expiresAt`); page with `limit` and ' +
      '`offset`. Needs `administer-access` on ' +
      '`global`.',
  )
  @ApiOkResponse({ type: ApiKeyPage })
  async list(@Query() query: ApiKeyQuery): Promise<Page<ApiKeyDto>> {
    const page = await this.keys.list(query);
    return { ...page, items: page.items.map((item) => ApiKeyDto.from(item)) };
  }

  @Get(':id')
  @Authorize(ADMIN)
  @Operation(
    'Read an API key (never the key itself)',
    'Its owner, name, prefix, expiry, revocation and last use. Answers with an `ETag`; send it in `If-None-Match` ' +
      'for a 304 while the key is unchanged. Needs `administer-access` on `global`.',
  )
  @ApiOkResponse({ type: ApiKeyDto, headers: ETAG_HEADER })
  @NotFound('API key')
  @ConditionalRead('API key')
  async get(@IdParam() id: string, @Res({ passthrough: true }) response: Response): Promise<ApiKeyDto> {
    const key = await this.keys.get(id);
    setEtag(response, key.version);
    return ApiKeyDto.from(key);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authorize(ADMIN)
  @Operation('Revoke an API key', 'The key stops working at once and stays listed with `revokedAt`.')
  @ApiNoContentResponse({ description: 'Revoked.' })
  @NotFound('API key')
  @IfMatch()
  async revoke(
    @IdParam() id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.keys.revoke(id, ifMatch, actor);
  }
}
