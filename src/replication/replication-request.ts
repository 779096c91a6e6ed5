import type { ScopePart } from '../vendors/scope-content.js';

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
 * details (`details.diffs[<relationship>/<network>]`).
 */
export interface ScopeOutcome {
  relationshipId: string;
  network: string;
  sourceServerId: string;
  destinationServerId: string;
  /** `writing` only while a write is in flight (or was, when a worker died: the next attempt resolves it). */
  state: 'replaced' | 'unchanged' | 'skipped' | 'failed' | 'would-replace' | 'writing';
  reason?: string;
  /** Parts the caller holds no bit for, left as the destination has them. */
  partsLeftAlone?: ScopePart[];
  /** What of the source's replaced parts the destination's vendor cannot take without the parts left alone, and why. */
  notCopied?: string;
}
