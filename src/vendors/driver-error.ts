/** What went wrong talking to a DHCP server, in terms the job layer and the API can act on. */
export const DriverErrorCode = {
  /** The server (or its transport) could not be reached; retrying later may help. */
  unreachable: 'unreachable',
  /** Credentials or host key were refused. */
  auth: 'auth',
  /** The object (scope, peer, relationship) does not exist on the server. */
  notFound: 'not-found',
  /** The server changed under us, or the change collides with its current state. */
  conflict: 'conflict',
  /** The server rejected the configuration; the vendor's own message is kept. */
  invalidConfig: 'invalid-config',
  /** The server or its version cannot do this. */
  unsupported: 'unsupported',
} as const;

export type DriverErrorCode = (typeof DriverErrorCode)[keyof typeof DriverErrorCode];

/**
 * Where a write of several scopes that could not be all or nothing (Windows: cmdlet by cmdlet) stopped: the scopes
 * that landed, and for each other one why not. Scopes absent from both were not reached.
 */
export interface ScopeWriteOutcome {
  written: string[];
  failed: Record<string, string>;
  /**
   * Failed scopes whose write began and stopped part-way (Windows: a cmdlet of the scope failed after others ran, or
   * the session died): the server may hold part of it, so the change is audited like one that landed.
   */
  halfWritten?: string[];
}

/** The one error type that crosses the driver boundary; vendor details stay in `vendorMessage`. */
export class DriverError extends Error {
  /** Set by a multi-scope write that failed part-way: which scopes landed and which did not. */
  readonly scopes?: ScopeWriteOutcome;
  /** The failed change may have left the server changed all the same (its undo failed too). */
  readonly leftChanged: boolean;

  constructor(
    readonly code: DriverErrorCode,
    message: string,
    readonly vendorMessage?: string,
    options?: { cause?: unknown; scopes?: ScopeWriteOutcome; leftChanged?: boolean },
  ) {
    super(message, options);
    this.name = 'DriverError';
    if (options?.scopes) this.scopes = options.scopes;
    this.leftChanged = options?.leftChanged ?? false;
  }

  /** Whether a job should retry the operation later. */
  get retryable(): boolean {
    return this.code === DriverErrorCode.unreachable || this.code === DriverErrorCode.conflict;
  }
}

/**
 * A server whose failover state its registration cannot tell at all (ISC registered without OMAPI): not a fault of
 * the server, so a relationship with it is `unknown` rather than `impaired` when nothing else is wrong.
 */
export class FailoverStateUnknowableError extends DriverError {
  constructor(message: string) {
    super(DriverErrorCode.unsupported, message);
    this.name = 'FailoverStateUnknowableError';
  }
}

/** The error's message with the vendor's own after it: what a problem's detail says, or a text that stands alone. */
export function withVendorMessage(error: DriverError): string {
  const { message, vendorMessage } = error;
  if (!vendorMessage) return message;
  // A message that ends with the vendor's first line already (dhcpd -t's summary; a transport's cause, in
  // parentheses) is followed by the rest only: the cause is said once.
  // Quoted means after a colon or in parentheses: a message that merely ends with the same words keeps them.
  const firstLine = vendorMessage.split('\n', 1)[0];
  if (
    firstLine &&
    (message === firstLine || message.endsWith(`: ${firstLine}`) || message.endsWith(` (${firstLine})`))
  ) {
    return `${message}${vendorMessage.slice(firstLine.length)}`;
  }
  return `${message}: ${vendorMessage}`;
}
