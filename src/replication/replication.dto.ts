import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsUUID } from 'class-validator';
import { IsScopeNetwork } from '../common/validation/network.validators.js';
import { REPLICATION_KINDS, type ReplicationKind } from './replication-request.js';

export class CreateReplicationDto {
  /** `scope`: one scope of a relationship; `relationship`: all its scopes; `server`: all failover scopes of a server. */
  @ApiProperty({ enum: REPLICATION_KINDS })
  @IsIn(REPLICATION_KINDS)
  kind!: ReplicationKind;

  /** The server whose scopes are the source (the seed: "the scopes on the selected server"). */
  @IsUUID()
  sourceServerId!: string;

  /** `scope`: the partner that receives the copy (default: the source's partner). */
  @IsOptional()
  @IsUUID()
  destinationServerId?: string;

  /** `scope` and `relationship`: the relationship. */
  @IsOptional()
  @IsUUID()
  relationshipId?: string;

  /** `scope`: the scope's network address, e.g. `10.1.2.0`. */
  @IsOptional()
  @IsScopeNetwork()
  network?: string;

  /**
   * Let the vendor copy a whole scope between partners itself where it can (Windows:
   * Invoke-DhcpServerv4FailoverReplication on the source, which also carries what the model does not hold, such as
   * policies); `false` writes every scope part by part through the destination's own commands, which needs no
   * working link between the partners. Default `true`.
   */
  @IsOptional()
  @IsBoolean()
  nativeReplication?: boolean;

  /** Compute and store the diff per scope, write nothing. */
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}
