import { Body, Controller, Delete, Get, Headers, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNotImplementedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
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
  Rejected,
  Upstream,
} from '../common/http/api-docs.decorators.js';
import { setEtag } from '../common/http/etag.js';
import { IdParam } from '../common/http/id-param.js';
import { PageOf, type Page } from '../common/http/pagination.js';
import { ProblemDetails } from '../common/problem/problem-details.js';
import { Authorize, GLOBAL, relationshipServers } from '../permissions/authorize.decorator.js';
import { NetworkParam } from '../scopes/network-param.js';
import { Permission } from '../permissions/permission.js';
import {
  CreateRelationshipDto,
  DeleteRelationshipResultDto,
  RelationshipDto,
  RelationshipQuery,
  RelationshipStateDto,
  RemoveRelationshipQuery,
  UpdateRelationshipDto,
} from './dto/relationship.dto.js';
import {
  AddRelationshipScopeDto,
  RelationshipScopeChangeDto,
  RelationshipScopeListDto,
  RemoveRelationshipScopeQuery,
} from './dto/relationship-scope.dto.js';
import { RelationshipRemovalService } from './relationship-removal.service.js';
import { RelationshipScopesService } from './relationship-scopes.service.js';
import { RelationshipUpdateService } from './relationship-update.service.js';
import { RelationshipsService } from './relationships.service.js';

const RelationshipPage = PageOf(RelationshipDto);
const DHCP_ADMIN = { permission: Permission.dhcpAdministrator, resource: GLOBAL };
const WRITE_REJECTED =
  'A server refused the new configuration (ISC: dhcpd -t, its text in `vendorMessage`; Kea: config-test), or ' +
  'its configuration cannot be read (does not parse); nothing stays changed.';
const NOT_ADOPTED = 'The relationship was found on the servers and is not managed yet (adopt it first)';

@ApiTags('relationships')
@Controller('relationships')
export class RelationshipsController {
  constructor(
    private readonly relationships: RelationshipsService,
    private readonly scopesService: RelationshipScopesService,
    private readonly updates: RelationshipUpdateService,
    private readonly removal: RelationshipRemovalService,
  ) {}

  @Post()
  @Idempotent()
  @Authorize(DHCP_ADMIN)
  @Operation(
    'Create a failover relationship between two registered servers',
    'Kea: puts the lease_cmds and HA hooks on both servers with consistent parameters, all or nothing (when the ' +
      'second server refuses, the first is restored and the problem says so). Windows: recorded with status ' +
      '`empty` and nothing written; the first scope added (POST .../scopes) creates it on both servers.',
  )
  @ApiCreatedResponse({ type: RelationshipDto, headers: createdHeaders('the relationship') })
  @Conflicts(
    'The name is taken (`existingId`), or a server (`serverId`) already has failover configured, or is in another ' +
      'relationship.',
  )
  @Rejected(WRITE_REJECTED)
  @Upstream()
  @ApiNotImplementedResponse({
    description: 'No failover support for the vendor in this build.',
    type: ProblemDetails,
  })
  async create(
    @Body() dto: CreateRelationshipDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) response: Response,
  ): Promise<RelationshipDto> {
    const relationship = await this.relationships.create(dto, actor);
    setEtag(response, relationship.version);
    response.location(`/api/v1/relationships/${relationship.id}`);
    return RelationshipDto.from(relationship);
  }

  @Get()
  @Authorize(DHCP_ADMIN)
  @Operation(
    'List failover relationships',
    'Filter by `serverId` or `vendor`. `status` is the last one observed.',
  )
  @ApiOkResponse({ type: RelationshipPage })
  async list(@Query() query: RelationshipQuery): Promise<Page<RelationshipDto>> {
    const page = await this.relationships.list(query);
    return { ...page, items: page.items.map((item) => RelationshipDto.from(item)) };
  }

  @Get(':id')
  @Authorize(DHCP_ADMIN)
  @Operation(
    'Read a failover relationship',
    'Its vendor, mode, settings and servers with their roles, as last stored (the servers are not asked; ' +
      '`GET .../state` asks them). Needs `dhcp-administrator` on `global`. Answers with an `ETag`; send it in ' +
      '`If-None-Match` for a 304 while the relationship is unchanged.',
  )
  @ApiOkResponse({ type: RelationshipDto, headers: ETAG_HEADER })
  @NotFound('relationship')
  @ConditionalRead('relationship')
  async get(@IdParam() id: string, @Res({ passthrough: true }) response: Response): Promise<RelationshipDto> {
    const relationship = await this.relationships.get(id);
    setEtag(response, relationship.version);
    return RelationshipDto.from(relationship);
  }

  @Post(':id/adopt')
  @HttpCode(200)
  @Authorize(DHCP_ADMIN)
  @Operation(
    'Adopt a discovered relationship',
    'A relationship found configured on the servers becomes managed by this service (`discovered: false`).',
  )
  @ApiOkResponse({ type: RelationshipDto, headers: ETAG_HEADER })
  @NotFound('relationship')
  @Conflicts('The relationship is managed already.')
  async adopt(
    @IdParam() id: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) response: Response,
  ): Promise<RelationshipDto> {
    const relationship = await this.relationships.adopt(id, actor);
    setEtag(response, relationship.version);
    return RelationshipDto.from(relationship);
  }

  @Patch(':id')
  @Authorize(DHCP_ADMIN)
  @Operation(
    "Change a relationship's mode, roles or parameters",
    'The new configuration is written to both servers (all or nothing, the first restored when the second refuses). ' +
      'The two servers cannot change.',
  )
  @ApiOkResponse({ type: RelationshipDto, headers: ETAG_HEADER })
  @NotFound('relationship')
  @Conflicts(`${NOT_ADOPTED}, or a server refuses the change.`)
  @Rejected(WRITE_REJECTED)
  @Upstream()
  @IfMatch()
  async update(
    @IdParam() id: string,
    @Body() dto: UpdateRelationshipDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) response: Response,
  ): Promise<RelationshipDto> {
    const relationship = await this.updates.update(id, dto, ifMatch, actor);
    setEtag(response, relationship.version);
    return RelationshipDto.from(relationship);
  }

  @Get(':id/state')
  @Authorize(DHCP_ADMIN)
  @Operation(
    'Live failover state of both partners',
    'Asks both servers now (Kea: status-get). A partner that cannot be reached is `reachable: false` with the reason.',
  )
  @ApiOkResponse({ type: RelationshipStateDto })
  @NotFound('relationship')
  state(@IdParam() id: string): Promise<RelationshipStateDto> {
    return this.relationships.state(id);
  }

  @Get(':id/scopes')
  @Authorize(DHCP_ADMIN)
  @Operation(
    'List the scopes of a relationship',
    "Reads both partners now. Kea 2.2 HA covers every subnet of both servers: the scopes are the partners' subnets. " +
      'A scope only one partner has, or (Kea) whose copies have different subnet ids, is out of step ' +
      '(`inStep: false`, `outOfStep` says why and how to fix it). A partner that cannot be read is still a 200: ' +
      "`servers` marks it `scopesKnown: false` with the reason, the other partner's scopes are listed with " +
      '`inStep: null`. Only when neither partner can be read is the answer an error (502 when unreachable).',
  )
  @ApiOkResponse({ type: RelationshipScopeListDto })
  @NotFound('relationship')
  @Rejected("Neither server's configuration can be read (ISC: dhcpd.conf does not parse).")
  @Upstream()
  scopes(@IdParam() id: string): Promise<RelationshipScopeListDto> {
    return this.scopesService.list(id);
  }

  @Post(':id/scopes')
  @Authorize({ permission: Permission.addScope, resource: relationshipServers })
  @Operation(
    'Add a scope to a relationship',
    "Creates the scope on the partner from `sourceServerId`'s copy (a validated, all-or-nothing write). " +
      'Needs `add-scope` on both servers.',
  )
  @ApiCreatedResponse({ type: RelationshipScopeChangeDto })
  @NotFound('relationship, or the scope on the source')
  @Conflicts(
    'The partner has the scope already; Kea: another subnet of the partner has the subnet id the scope has on the ' +
      `source (HA partners must agree on ids; the detail names it); the server refuses the change, or ${NOT_ADOPTED.toLowerCase()}.`,
  )
  @Rejected(
    `${WRITE_REJECTED} ISC: a host the scope brings whose name another host of the partner has is refused before ` +
      'the write (the detail names both).',
  )
  @Upstream()
  addScope(
    @IdParam() id: string,
    @Body() dto: AddRelationshipScopeDto,
    @CurrentActor() actor: Actor,
  ): Promise<RelationshipScopeChangeDto> {
    return this.scopesService.add(id, dto, actor);
  }

  @Delete(':id/scopes/:network')
  @Authorize({ permission: Permission.addScope, resource: relationshipServers })
  @Operation(
    'Remove a scope from a relationship',
    'Removes the scope from the server named by `serverId` (Kea: deletes that subnet, or with `copy=disable` ' +
      'restricts every pool to the client class `dfm-scope-disabled`, which no client is in; ISC: deletes the subnet ' +
      'declaration and its host reservations, or with `copy=disable` closes its pools with `deny all clients`); ' +
      'the partner keeps its copy. Kea, ISC: when the partner has no copy this is a 409 unless `confirmLastCopy=true`, ' +
      'which removes the only copy; a scope neither server has is a 404. Windows: the scope leaves the relationship on both servers (the partner keeps ' +
      'serving it, and the relationship itself goes when it was the last scope). The answer says what was done. ' +
      'Needs `add-scope` on both servers of the relationship.',
  )
  @ApiOkResponse({ type: RelationshipScopeChangeDto })
  @NotFound('relationship or scope')
  @Conflicts(
    'Kea, ISC: the partner has no copy of the scope (removing it would leave it on neither server) and ' +
      '`confirmLastCopy=true` was not sent, or the server refuses the change, or the relationship is not adopted.',
  )
  @Rejected(WRITE_REJECTED)
  @Upstream()
  removeScope(
    @IdParam() id: string,
    @NetworkParam() network: string,
    @Query() query: RemoveRelationshipScopeQuery,
    @CurrentActor() actor: Actor,
  ): Promise<RelationshipScopeChangeDto> {
    return this.scopesService.remove(id, network, query, actor);
  }

  @Delete(':id')
  @Authorize(DHCP_ADMIN)
  @Operation(
    'Remove a failover relationship',
    'Kea: the HA hook comes off both servers (all or nothing) and their scopes stay; with `skipUnreachable=true` a ' +
      'server that cannot be reached (a partner gone for good) is left as it is and named (`unreachable`), and the ' +
      'HA comes off the other. ISC: the failover peers come ' +
      "off both servers (all or nothing), and on each server the pools that named the relationship's peer follow the " +
      "seed's delete-peer rule: its last peer → the references are removed; one other peer left → they refer to it; " +
      'two or more left → to the one `replacement` names for that server (`<serverId>:<peer name>`, once per server ' +
      'that needs it). Both servers are read before either is written, so a missing choice changes nothing. Windows: an `empty` relationship is only a record; one with scopes needs `keepScopesOn` ' +
      "(the server its scopes persist on) and `otherCopies` (`delete` or `disable` the other server's copies); " +
      'Remove-DhcpServerv4Failover takes it off both servers. The answer says what was done.',
  )
  @ApiOkResponse({ type: DeleteRelationshipResultDto })
  @NotFound('relationship')
  @IfMatch()
  @Conflicts(
    `${NOT_ADOPTED}; or a server refuses the change; or (ISC) a server has two or more other failover peers and ` +
      '`replacement` names none for it: `replacements` lists each such server (`serverId`, `serverName`, `peer`, ' +
      '`choices`, `pools`, `scopes`), and nothing was changed on either server.',
  )
  @Rejected(WRITE_REJECTED)
  @Upstream()
  remove(
    @IdParam() id: string,
    @Query() query: RemoveRelationshipQuery,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<DeleteRelationshipResultDto> {
    return this.removal.remove(id, query, ifMatch, actor);
  }
}
