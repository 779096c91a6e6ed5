/**
 * Every problem `type` the API answers with. Stable: callers branch on these, so a value never changes meaning.
 * URNs rather than URLs because nothing is served at them; docs/problems.md describes each one.
 */
export const ProblemType = {
  validation: 'urn:dfm:problem:validation',
  badRequest: 'urn:dfm:problem:bad-request',
  unauthenticated: 'urn:dfm:problem:unauthenticated',
  forbidden: 'urn:dfm:problem:forbidden',
  notFound: 'urn:dfm:problem:not-found',
  methodNotAllowed: 'urn:dfm:problem:method-not-allowed',
  conflict: 'urn:dfm:problem:conflict',
  idempotencyKeyReused: 'urn:dfm:problem:idempotency-key-reused',
  preconditionFailed: 'urn:dfm:problem:precondition-failed',
  payloadTooLarge: 'urn:dfm:problem:payload-too-large',
  requestHeaderTooLarge: 'urn:dfm:problem:request-header-too-large',
  unsupportedMediaType: 'urn:dfm:problem:unsupported-media-type',
  vendorNotSupported: 'urn:dfm:problem:vendor-not-supported',
  wrongVendor: 'urn:dfm:problem:wrong-vendor',
  serverUnreachable: 'urn:dfm:problem:server-unreachable',
  serverAuthFailed: 'urn:dfm:problem:server-auth-failed',
  serverNotFound: 'urn:dfm:problem:server-object-not-found',
  serverConflict: 'urn:dfm:problem:server-conflict',
  serverRejectedConfig: 'urn:dfm:problem:server-rejected-config',
  serverUnsupported: 'urn:dfm:problem:server-unsupported-operation',
  internal: 'urn:dfm:problem:internal',
} as const;

export type ProblemTypeUri = (typeof ProblemType)[keyof typeof ProblemType];
