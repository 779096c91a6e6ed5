import type { ScopePart } from '../vendors/scope-content.js';
import type { ReplicationScopeOutcomeDto } from './replication-outcome.dto.js';

export const REPLICATION_KINDS = ['scope', 'relationship', 'server'] as const;
export type ReplicationKind = (typeof REPLICATION_KINDS)[number];

/** What a replication job's row records: the request as validated, and the parts the caller may replace. */
export interface ReplicationRequest {
  kind: ReplicationKind;
  sourceServerId: string;
  destinationServerId?: string;
  relationshipId?: string;
  network?: string;
  dryRun: boolean;
  /** `false`: no vendor-native copy (CreateReplicationDto.nativeReplication); absent in jobs requested before it. */
  nativeReplication?: boolean;
  /** The scope parts replaced, from the caller's permission bits when the job was requested. */
  parts: ScopePart[];
  /**
   * Every server and relationship the job was planned to touch when it was requested (a relationship or server
   * replication names only its source), so that `GET /jobs?serverId=&relationshipId=` finds it; absent in older jobs.
   */
  involves?: { serverIds: string[]; relationshipIds: string[] };
}

/**
 * Per-scope outcome, kept in the job row (`outcome.scopes[<relationship>/<network>]`); its diff is in the job's
 * details (`details.diffs[<relationship>/<network>]`). The OpenAPI document shows it as ReplicationScopeOutcomeDto.
 */
export type ScopeOutcome = ReplicationScopeOutcomeDto;
