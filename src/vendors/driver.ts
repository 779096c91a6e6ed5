import type { Vendor } from './vendor.js';
import type { ScopeContent, ScopePart, ScopeSummary } from './scope-content.js';

/**
 * The port every vendor implements. Nothing outside `vendors/` knows a vendor's wire format; callers pass a
 * {@link ServerTarget} (the registry's row with credentials decrypted) and get vendor-neutral answers or a
 * `DriverError`.
 */
export interface ServerTarget {
  id: string;
  name: string;
  vendor: Vendor;
  address: string;
  /** Non-secret connection settings, as registered. */
  connection: Record<string, unknown>;
  /** Decrypted secrets (passwords, private keys); never logged. */
  secrets: Record<string, string>;
}

export interface ConnectionReport {
  /** Product and version as the server reports them, e.g. `Kea 2.2.0`. */
  software: string;
  version?: string;
  /** Further facts (hooks loaded, HA state, peers found, ...). */
  facts: Record<string, unknown>;
}

/** One scope to write: its full content, and which parts of it replace the destination's. */
export interface ScopeWrite {
  content: ScopeContent;
  parts: readonly ScopePart[];
}

export interface WriteContext {
  /** Who asked, for the vendor's own logs where it keeps any. */
  principalId: string;
  /** Job or request id that caused the write, recorded in the audit trail. */
  correlationId: string;
}

export type ScopeRemoval = 'delete' | 'disable';

export interface DhcpDriver {
  readonly vendor: Vendor;
  /** Reaches the server with the registered settings and reports what it is. */
  checkConnection(target: ServerTarget): Promise<ConnectionReport>;
  listScopes(target: ServerTarget): Promise<ScopeSummary[]>;
  /** Full content of one scope, by its network address (e.g. `10.1.2.0`). */
  readScope(target: ServerTarget, network: string): Promise<ScopeContent>;
  /** Replaces the chosen parts of several scopes; all or nothing where the vendor allows. */
  writeScopes(target: ServerTarget, writes: ScopeWrite[], context: WriteContext): Promise<void>;
  removeScope(target: ServerTarget, network: string, how: ScopeRemoval, context: WriteContext): Promise<void>;
}
