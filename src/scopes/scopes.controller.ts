import { Controller, Get } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiNotImplementedResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { NotFound, Operation } from '../common/http/api-docs.decorators.js';
import { IdParam } from '../common/http/id-param.js';
import { ProblemDetails } from '../common/problem/problem-details.js';
import { CurrentPrincipal, type AuthenticatedPrincipal } from '../auth/authenticated-principal.js';
import { Authorize, scopeFromPath, serverFromPath } from '../permissions/authorize.decorator.js';
import { ScopeContentDto, ScopeListDto } from './dto/scope.dto.js';
import { NetworkParam } from './network-param.js';
import { ScopesService } from './scopes.service.js';

const UPSTREAM = {
  description: 'The DHCP server could not be reached or refused our credentials.',
  type: ProblemDetails,
};

/** A read answers this as the list does: the whole configuration is parsed to find the one scope. */
const UNREADABLE = {
  description:
    "The server's configuration cannot be read: it does not parse (ISC: dhcpd.conf; the text in `vendorMessage`).",
  type: ProblemDetails,
};

@ApiTags('scopes')
@Controller('servers/:id/scopes')
export class ScopesController {
  constructor(private readonly scopes: ScopesService) {}

  @Get()
  @Authorize({ resource: serverFromPath })
  @Operation(
    "List a server's scopes, read live from the server",
    'A caller whose grants on the server name single scopes sees those scopes only.',
  )
  @ApiOkResponse({ type: ScopeListDto })
  @NotFound('server')
  @ApiUnprocessableEntityResponse(UNREADABLE)
  @ApiBadGatewayResponse(UPSTREAM)
  @ApiNotImplementedResponse({ description: 'No driver for the vendor in this build.', type: ProblemDetails })
  async list(
    @IdParam() id: string,
    @CurrentPrincipal() caller: AuthenticatedPrincipal,
  ): Promise<ScopeListDto> {
    const items = await this.scopes.list(id, caller.id);
    return { items, total: items.length };
  }

  @Get(':network')
  @Authorize({ resource: scopeFromPath })
  @Operation(
    "Read one scope's full content in the vendor-neutral model",
    "`network` is the scope's network address, e.g. `10.1.2.0`. What the vendor holds beyond the model is in " +
      '`vendorExtras`, never dropped.',
  )
  @ApiOkResponse({ type: ScopeContentDto })
  @NotFound('server or scope')
  @ApiUnprocessableEntityResponse(UNREADABLE)
  @ApiBadGatewayResponse(UPSTREAM)
  @ApiNotImplementedResponse({ description: 'No driver for the vendor in this build.', type: ProblemDetails })
  read(@IdParam() id: string, @NetworkParam() network: string): Promise<ScopeContentDto> {
    return this.scopes.read(id, network);
  }
}
