import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsUUID } from 'class-validator';
import { ToBoolean } from '../../common/validation/to-boolean.js';
import { IsScopeNetwork } from '../../common/validation/network.validators.js';

export class AddRelationshipScopeDto {
  /** The scope's network address, e.g. `10.1.2.0`. */
  @IsScopeNetwork()
  network!: string;

  /** The partner that has the scope now; it is created on the other one from this copy. */
  @IsUUID()
  sourceServerId!: string;
}

export class RemoveRelationshipScopeQuery {
  /** The server to delete or disable the scope on (the other keeps its copy). */
  @IsUUID()
  serverId!: string;

  /**
   * What happens to that copy: `delete`, or `disable` (ISC: every pool of the subnet gets `deny all clients;`, so no
   * address is leased from it; Kea 2.2, which has no disabled flag: every pool is restricted to the client class
   * `dfm-scope-disabled`, which no client is in; reservations keep answering. A Kea subnet without pools has nothing to
   * disable: 501).
   */
  @ApiPropertyOptional({ enum: ['delete', 'disable'], default: 'delete' })
  @IsOptional()
  @IsIn(['delete', 'disable'])
  copy?: 'delete' | 'disable';

  /**
   * Kea, ISC: `true` removes the copy even when the partner has none, so the scope is then on neither server (without
   * it that is a 409). For a scope that was only ever meant for one side, or one being retired.
   */
  @ApiPropertyOptional({ type: Boolean, default: false })
  @IsOptional()
  @ToBoolean()
  @IsBoolean({ message: 'confirmLastCopy must be true or false' })
  confirmLastCopy?: boolean;
}

export class RelationshipScopeDto {
  /** CIDR, e.g. `10.1.2.0/24`. */
  subnet!: string;
  /** The scope's network address, e.g. `10.1.2.0`, as in the scope paths. */
  network!: string;
  /** The scope's name, where the vendor keeps one (Windows: the scope name; Kea: `user-context.name`; ISC: none). */
  name?: string;
  /** The servers that have the scope (of those whose scopes could be read). */
  presentOn!: string[];
  /**
   * `true` when both partners have it and their copies can fail over. `false` when out of step (see `outOfStep`):
   * only one partner has it (fix with POST .../scopes or a replication; Windows, where the scope is still in the
   * relationship on the other: DELETE .../scopes/{network} with `serverId` the server lacking it, then POST
   * .../scopes; a replication refuses to create it outside the relationship), or, Kea, the copies have different
   * subnet ids. `null` when a partner's scopes could not be read (see `servers`).
   */
  @ApiProperty({ type: Boolean, nullable: true })
  inStep!: boolean | null;
  /** Why the scope is not in step, or why that is unknown; with the call that fixes it where there is one. */
  outOfStep?: string;
}

/** Whether a partner's scopes could be read for this listing. */
export class RelationshipScopeServerDto {
  /** The partner's id in the server registry. */
  serverId!: string;
  /** The partner's registered name. */
  serverName!: string;
  /** `false`: the server could not be read (see `error`); the listing holds the other partner's scopes only. */
  scopesKnown!: boolean;
  /** Why the server's scopes could not be read. */
  error?: string;
}

export class RelationshipScopeListDto {
  /** Every scope of the relationship, on either server. */
  @ApiProperty({ type: [RelationshipScopeDto] })
  items!: RelationshipScopeDto[];
  /** How many scopes are listed (there is no paging). */
  total!: number;
  /** Both partners, in the relationship's order, and whether each one's scopes could be read. */
  @ApiProperty({ type: [RelationshipScopeServerDto] })
  servers!: RelationshipScopeServerDto[];
}

export class RelationshipScopeChangeDto {
  /** The scope's network address, e.g. `10.1.2.0`. */
  network!: string;
  /** The server changed. */
  serverId!: string;
  /** What became of the scope on that server. */
  @ApiProperty({ enum: ['created', 'deleted', 'disabled'] })
  action!: 'created' | 'deleted' | 'disabled';
  /** Human summary of what was done, e.g. which copy was kept. */
  detail!: string;
}
