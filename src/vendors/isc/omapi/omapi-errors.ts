import { DriverError, DriverErrorCode } from '../../driver-error.js';

/** `ISC_RESULTCLASS_DHCP`: the `DHCP_R_*` results (`includes/omapip/result.h`) count from here. */
const DHCP_RESULT_CLASS = 6 << 16;

/**
 * Result codes dhcpd puts in an OMAPI status message (`result`), as ISC DHCP 4.4 numbers them: `ISC_R_*` from the
 * BIND 9 ISC library it is built with, `DHCP_R_*` in the DHCP result class. Only the ones a client acts on are
 * named; each was seen from dhcpd 4.4.3 (a missing object, no key, a wrong secret).
 */
export const OmapiResult = {
  success: 0,
  notFound: 23,
  dhcpNoKeys: DHCP_RESULT_CLASS + 9,
  dhcpKeyUnknown: DHCP_RESULT_CLASS + 10,
  dhcpInvalidKey: DHCP_RESULT_CLASS + 11,
} as const;

/** What each refusal of authentication means for whoever registered the server. */
const AUTH_RESULTS = new Map<number, string>([
  [OmapiResult.dhcpNoKeys, 'the request carried no key (register omapiKeyName and omapiKey)'],
  [OmapiResult.dhcpKeyUnknown, 'the key is not open on this connection'],
  [OmapiResult.dhcpInvalidKey, 'the signature did not verify (wrong key secret)'],
]);

const RESULT_NAMES = new Map<number, string>([
  [OmapiResult.notFound, 'ISC_R_NOTFOUND'],
  [OmapiResult.dhcpNoKeys, 'DHCP_R_NOKEYS'],
  [OmapiResult.dhcpKeyUnknown, 'DHCP_R_KEY_UNKNOWN'],
  [OmapiResult.dhcpInvalidKey, 'DHCP_R_INVALIDKEY'],
]);

/** An OMAPI failure, as the one error type of the driver boundary; `result` is dhcpd's status code, if any. */
export class OmapiError extends DriverError {
  constructor(
    code: DriverErrorCode,
    message: string,
    readonly result?: number,
    vendorMessage?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, vendorMessage, options);
    this.name = 'OmapiError';
  }
}

/**
 * The error for a status message dhcpd sent instead of the object asked for. `what` names the request
 * (`open failover-state "fo"`); `serverText`, the status message's own `message` value when it has one, becomes the
 * error's `vendorMessage`.
 */
export function statusError(what: string, result: number, serverText: string | undefined): OmapiError {
  const name = RESULT_NAMES.get(result);
  const code = name ? `${name}, result ${result}` : `result ${result}`;
  const refusal = AUTH_RESULTS.get(result);
  if (refusal) {
    return new OmapiError(
      DriverErrorCode.auth,
      `${what}: dhcpd refused the request: ${refusal} (${code})`,
      result,
      serverText,
    );
  }
  if (result === OmapiResult.notFound) {
    return new OmapiError(DriverErrorCode.notFound, `${what}: no such object (${code})`, result, serverText);
  }
  return new OmapiError(DriverErrorCode.unsupported, `${what}: dhcpd answered ${code}`, result, serverText);
}
