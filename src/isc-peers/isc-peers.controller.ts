import { Body, Controller, Delete, Get, Headers, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBadGatewayResponse, ApiCreatedResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, type Actor } from '../auth/actor.js';
import {
  ConditionalRead,
  Conflicts,
  createdHeaders,
  ETAG_HEADER,
  IfMatch,
  NotFound,
  Operation,
} from '../common/http/api-docs.decorators.js';
import { IdParam } from '../common/http/id-param.js';
import { Idempotent } from '../common/idempotency/idempotent.decorator.js';
import { ProblemDetails } from '../common/problem/problem-details.js';
import { Authorize, serverFromPath } from '../permissions/authorize.decorator.js';
import { Permission } from '../permissions/permission.js';
import { NetworkParam } from '../scopes/network-param.js';
import {
  CreatedFailoverPeerDto,
  CreateFailoverPeerDto,
  DeletedFailoverPeerDto,
  DeleteFailoverPeerQuery,
  FailoverPeerDto,
  FailoverPeerListDto,
  MigrateScopePeerDto,
  ScopeMigrationDto,
  UpdateFailoverPeerDto,
} from './dto/failover-peer.dto.js';
import { IscPeersService, peerEtag } from './isc-peers.service.js';

const ADMINISTER_SERVER = { permission: Permission.administerDhcpServers, resource: serverFromPath };
const NOT_ISC = 'The server is not an ISC server (`urn:dfm:problem:wrong-vendor`): peers are ISC-only';
/** A managed relationship's peer is changed through the relationship (IscPeersService). */
const MANAGED =
  'the peer is a side of a relationship this service manages (`relationshipId`): change it through that relationship';
const UPSTREAM = {
  description: 'The DHCP server could not be reached or refused our credentials.',
  type: ProblemDetails,
};
const UNREADABLE = {
  description:
    "The server's dhcpd.conf cannot be read: it does not parse (the parser's text in `vendorMessage`).",
  type: ProblemDetails,
};
const REJECTED = {
  description:
    "dhcpd -t rejected the result (dhcpd's text in `vendorMessage`; nothing was written), or the restart failed.",
  type: ProblemDetails,
};

function PeerName(): ParameterDecorator {
  return Param('name');
}

@ApiTags('isc-failover-peers')
@Controller('servers/:id')
export class IscPeersController {
  constructor(private readonly peers: IscPeersService) {}

  @Get('failover-peers')
  @Authorize({ resource: serverFromPath })
  @Operation(
    "List an ISC server's failover peers, read live from its dhcpd.conf",
    'Each `failover peer` declaration with its addresses, role and timers. Needs a grant reaching the server. A ' +
      'Windows or Kea server answers 409; a dhcpd.conf that does not parse, 422; an unreachable server, 502.',
  )
  @ApiOkResponse({ type: FailoverPeerListDto })
  @NotFound('server')
  @Conflicts(NOT_ISC)
  @ApiUnprocessableEntityResponse(UNREADABLE)
  @ApiBadGatewayResponse(UPSTREAM)
  async list(@IdParam() id: string): Promise<FailoverPeerListDto> {
    const items = (await this.peers.list(id)).map((peer) => FailoverPeerDto.from(peer));
    return { items, total: items.length };
  }

  @Post('failover-peers')
  @Idempotent()
  @Authorize(ADMINISTER_SERVER)
  @Operation(
    'Create a failover peer on an ISC server',
    "The server's first peer: every other address pool on the server is updated to refer to it (a bare `range` " +
      'becomes a pool of its own; `dynamic-bootp` ranges stay out, dhcpd refuses BOOTP in failover). Another peer ' +
      'takes the pools of the scopes named in `scopes`, and the pools holding the addresses in `pools` (one pool ' +
      "each, as the seed makes a peer from one pool's dialog); it needs one or the other (a 400 without: dhcpd " +
      'refuses a peer no pool refers to), with the rule of `PUT .../scopes/{network}/failover-peer`. `mclt` and `split` are for the ' +
      'primary only (a 400 on a secondary). One validated write (`dhcpd -t`).',
  )
  @ApiCreatedResponse({ type: CreatedFailoverPeerDto, headers: createdHeaders('the failover peer') })
  @NotFound('server, a scope named in `scopes`, or a scope range holding an address in `pools`')
  @Conflicts(
    `${NOT_ISC}; the name is taken; it is the first peer and no address pool can refer to it; a scope (or a pool picked in \`pools\`) holds the last pools of another peer (confirm its deletion); or that ` +
      `peer would be deleted and ${MANAGED}.`,
  )
  @ApiUnprocessableEntityResponse(REJECTED)
  @ApiBadGatewayResponse(UPSTREAM)
  async create(
    @IdParam() id: string,
    @Body() dto: CreateFailoverPeerDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CreatedFailoverPeerDto> {
    const created = await this.peers.create(id, dto, actor);
    response.setHeader('ETag', peerEtag(created.peer));
    response.location(`/api/v1/servers/${id}/failover-peers/${encodeURIComponent(created.peer.name)}`);
    return Object.assign(new CreatedFailoverPeerDto(), created.peer, {
      firstPeer: created.firstPeer,
      poolsReferred: created.poolsReferred,
      migrations: created.migrations.map((migration) => ScopeMigrationDto.from(migration)),
    });
  }

  @Get('failover-peers/:name')
  @Authorize({ resource: serverFromPath })
  @Operation('Read a failover peer of an ISC server', 'With the pools and scopes that refer to it.')
  @ApiParam({ name: 'name', description: 'The peer name (`failover peer "<name>"`).' })
  @ApiOkResponse({ type: FailoverPeerDto, headers: ETAG_HEADER })
  @NotFound('server or failover peer')
  @ConditionalRead('failover peer')
  @Conflicts(NOT_ISC)
  @ApiUnprocessableEntityResponse(UNREADABLE)
  @ApiBadGatewayResponse(UPSTREAM)
  async get(
    @IdParam() id: string,
    @PeerName() name: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<FailoverPeerDto> {
    const peer = await this.peers.get(id, name);
    response.setHeader('ETag', peerEtag(peer));
    return FailoverPeerDto.from(peer);
  }

  @Patch('failover-peers/:name')
  @Authorize(ADMINISTER_SERVER)
  @Operation(
    "Change a failover peer's fields",
    'Only the statements whose value changes are rewritten. `null` removes `mclt`, `split` or ' +
      '`loadBalanceMaxSeconds` (a peer that becomes secondary must drop `mclt` and `split`). The name cannot change ' +
      "(a 400 on `name`: dhcpd pairs the two servers' declarations by name).",
  )
  @ApiParam({ name: 'name', description: 'The peer name.' })
  @ApiOkResponse({ type: FailoverPeerDto, headers: ETAG_HEADER })
  @NotFound('server or failover peer')
  @Conflicts(`${NOT_ISC}; or ${MANAGED}.`)
  @IfMatch()
  @ApiUnprocessableEntityResponse(REJECTED)
  @ApiBadGatewayResponse(UPSTREAM)
  async update(
    @IdParam() id: string,
    @PeerName() name: string,
    @Body() dto: UpdateFailoverPeerDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) response: Response,
  ): Promise<FailoverPeerDto> {
    const peer = await this.peers.update(id, name, dto, ifMatch, actor);
    response.setHeader('ETag', peerEtag(peer));
    return FailoverPeerDto.from(peer);
  }

  @Delete('failover-peers/:name')
  @Authorize(ADMINISTER_SERVER)
  @Operation(
    'Delete a failover peer',
    'The pools that refer to it: when it is the last peer, their references are removed; with one other peer ' +
      'left, they refer to that one; with two or more left, to the one named by `replacement` (without it, a 409 ' +
      'lists the choices in `choices`).',
  )
  @ApiParam({ name: 'name', description: 'The peer name.' })
  @ApiOkResponse({ type: DeletedFailoverPeerDto })
  @NotFound('server or failover peer')
  @Conflicts(
    `${NOT_ISC}; two or more peers are left and no \`replacement\` was named (\`choices\` lists them); or ${MANAGED}.`,
  )
  @IfMatch()
  @ApiUnprocessableEntityResponse(REJECTED)
  @ApiBadGatewayResponse(UPSTREAM)
  async remove(
    @IdParam() id: string,
    @PeerName() name: string,
    @Query() query: DeleteFailoverPeerQuery,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<DeletedFailoverPeerDto> {
    return DeletedFailoverPeerDto.from(await this.peers.remove(id, name, query, ifMatch, actor));
  }

  @Put('scopes/:network/failover-peer')
  @Authorize(ADMINISTER_SERVER)
  @Operation(
    "Migrate a scope's pools (or one of them) to a failover peer",
    'Every address pool of the subnet refers to the named peer (a bare `range` becomes a pool of its own; ' +
      '`dynamic-bootp` ranges stay out, dhcpd refuses BOOTP in failover), which ' +
      'finalizes the failover setup of the scope. With `pool` (an address in one of its ranges, such as a `start` ' +
      "from the scope's `pools`), only the pool holding it moves. When the pools that move are the last that refer " +
      'to another peer, that peer is deleted (dhcpd refuses a peer no pool refers to): the caller must confirm with ' +
      '`confirmDeleteOldPeer: true`, else a 409 names it in `peersToDelete`.',
  )
  @ApiOkResponse({ type: ScopeMigrationDto })
  @NotFound('server, scope, failover peer, or a range of the scope holding `pool`')
  @Conflicts(
    `${NOT_ISC}; the change would delete a peer and was not confirmed (\`peersToDelete\`); that peer would be ` +
      `deleted and ${MANAGED}; the subnet (or the pool picked by \`pool\`) has no address pool that can take a peer ` +
      '(none, or dynamic-bootp only); ' +
      'or it takes addresses from a shared-network pool that also serves other subnets (give it its own pool).',
  )
  @ApiUnprocessableEntityResponse(REJECTED)
  @ApiBadGatewayResponse(UPSTREAM)
  async migrateScope(
    @IdParam() id: string,
    @NetworkParam() network: string,
    @Body() dto: MigrateScopePeerDto,
    @CurrentActor() actor: Actor,
  ): Promise<ScopeMigrationDto> {
    return ScopeMigrationDto.from(await this.peers.migrateScope(id, network, dto, actor));
  }
}
