import { Body, Controller, Delete, Get, Headers, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotImplementedResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, type Actor } from '../auth/actor.js';
import { CurrentPrincipal, type AuthenticatedPrincipal } from '../auth/authenticated-principal.js';
import { Idempotent } from '../common/idempotency/idempotent.decorator.js';
import {
  ConditionalRead,
  Conflicts,
  createdHeaders,
  ETAG_HEADER,
  IfMatch,
  NotFound,
  Operation,
  Rejected,
  Upstream,
} from '../common/http/api-docs.decorators.js';
import { setEtag } from '../common/http/etag.js';
import { IdParam } from '../common/http/id-param.js';
import { PageOf, type Page } from '../common/http/pagination.js';
import { ProblemDetails } from '../common/problem/problem-details.js';
import { Authorize, GLOBAL, serverFromPath } from '../permissions/authorize.decorator.js';
import { Permission } from '../permissions/permission.js';
import { ConnectionTestService } from './connection-test.service.js';
import {
  ConnectionTestResultDto,
  CreateServerDto,
  ServerDto,
  ServerQuery,
  UpdateServerDto,
} from './dto/server.dto.js';
import { ServersService } from './servers.service.js';

const ServerPage = PageOf(ServerDto);
const ADMINISTER_SERVER = { permission: Permission.administerDhcpServers, resource: serverFromPath };

@ApiTags('servers')
@Controller('servers')
export class ServersController {
  constructor(
    private readonly servers: ServersService,
    private readonly connectionTests: ConnectionTestService,
  ) {}

  @Post()
  @Idempotent()
  @Authorize({ permission: Permission.administerDhcpServers, resource: GLOBAL })
  @Operation(
    'Register a DHCP server',
    'Credentials are stored encrypted and never returned; `secretsSet` names them.',
  )
  @ApiCreatedResponse({ type: ServerDto, headers: createdHeaders('the server') })
  @Conflicts('A server with that name is registered (`existingId` names it).')
  async create(
    @Body() dto: CreateServerDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ServerDto> {
    const server = await this.servers.create(dto, actor);
    setEtag(response, server.version);
    response.location(`/api/v1/servers/${server.id}`);
    return ServerDto.from(server);
  }

  @Get()
  @Authorize('authenticated')
  @Operation(
    'List the servers the caller has a grant on',
    'By name: every server for a caller with a permission on `global`, else the servers its grants name (none ' +
      'is not an error). Filter by `vendor`, `name` (contains, case-insensitive) and `address` (exact); page with ' +
      '`limit` and `offset`. Secrets are never returned.',
  )
  @ApiOkResponse({ type: ServerPage })
  async list(
    @Query() query: ServerQuery,
    @CurrentPrincipal() caller: AuthenticatedPrincipal,
  ): Promise<Page<ServerDto>> {
    const page = await this.servers.list(query, caller.id);
    return { ...page, items: page.items.map((item) => ServerDto.from(item)) };
  }

  @Get(':id')
  @Authorize({ resource: serverFromPath })
  @Operation(
    'Read a registered server (never its secrets)',
    'Its connection settings and the names of the secrets held (`secretsSet`). Needs a grant reaching the server ' +
      '(on `global`, the server, or its scopes). Answers with an `ETag`; send it in `If-None-Match` for a 304 while ' +
      'the server is unchanged.',
  )
  @ApiOkResponse({ type: ServerDto, headers: ETAG_HEADER })
  @NotFound('server')
  @ConditionalRead('server')
  async get(@IdParam() id: string, @Res({ passthrough: true }) response: Response): Promise<ServerDto> {
    const server = await this.servers.get(id);
    setEtag(response, server.version);
    return ServerDto.from(server);
  }

  @Patch(':id')
  @Authorize(ADMINISTER_SERVER)
  @Operation(
    'Change a server registration',
    'The vendor cannot change; register a new server instead. Kea: a changed `connection` of a server in a managed ' +
      "HA relationship is written to both partners' HA entries (their `peers` hold each agent's URL and the " +
      "partner's credentials) in the same operation, both or neither; when a partner cannot take it, the " +
      'registration is not changed either and the problem says which server failed and which was restored. ' +
      'That rewrite changes the partner too, so it needs `dhcp-administrator` (global), as a relationship PATCH does ' +
      '(403 without it, nothing changed).',
  )
  @ApiOkResponse({ type: ServerDto, headers: ETAG_HEADER })
  @NotFound('server')
  @IfMatch()
  @Conflicts(
    'The name is taken (`existingId`), or secrets kept from before cannot be decrypted (ENCRYPTION_KEY changed): send them again.',
  )
  @Rejected('Kea: a partner refuses its HA entry with the new connection (`failedServerId`, `restored`).')
  @Upstream(
    "Kea: a partner of the server's HA relationship cannot be reached at its (new) registration; nothing changed.",
  )
  async update(
    @IdParam() id: string,
    @Body() dto: UpdateServerDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ServerDto> {
    const server = await this.servers.update(id, dto, ifMatch, actor);
    setEtag(response, server.version);
    return ServerDto.from(server);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authorize(ADMINISTER_SERVER)
  @Operation(
    'Unregister a server',
    'Nothing on the DHCP server changes; grants on it are removed, and so is a relationship only found on it and ' +
      'its partner (`discovered`, not adopted; the servers keep their failover configuration).',
  )
  @ApiNoContentResponse({ description: 'Unregistered.' })
  @NotFound('server')
  @IfMatch()
  @Conflicts(
    'The server is in a managed (adopted or created) failover relationship; remove the relationship first.',
  )
  async remove(
    @IdParam() id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.servers.remove(id, ifMatch, actor);
  }

  @Post(':id/connection-test')
  @HttpCode(200)
  @Authorize(ADMINISTER_SERVER)
  @Operation(
    'Test the connection to a server',
    'Reaches the server with the registered settings. An unreachable server is `ok: false` with the reason.',
  )
  @ApiOkResponse({ type: ConnectionTestResultDto })
  @NotFound('server')
  @Conflicts(
    'The stored credentials cannot be decrypted (ENCRYPTION_KEY changed): restore it, or PATCH them again.',
  )
  @ApiNotImplementedResponse({
    description: 'This build has no driver for the vendor yet.',
    type: ProblemDetails,
  })
  connectionTest(@IdParam() id: string): Promise<ConnectionTestResultDto> {
    return this.connectionTests.test(id);
  }
}
