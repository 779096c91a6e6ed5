import type { FailoverState } from '../../driver.js';
import { DriverErrorCode } from '../../driver-error.js';
import { OmapiError } from './omapi-errors.js';
import { OmapiClient } from './omapi-client.js';
import { OmapiHmacMd5Key } from './omapi-key.js';
import { omapiString, type OmapiValues, readUint32 } from './omapi-wire.js';

/**
 * dhcpd's failover states (`enum failover_state` in ISC DHCP's `includes/failover.h`), named as dhcpd prints them
 * in its log (`dhcp_failover_state_name_print`). 254 is ISC's own number for RECOVER-WAIT, which the failover draft
 * does not enumerate.
 */
export const ISC_FAILOVER_STATES: Readonly<Record<number, string>> = {
  0: 'unknown-state',
  1: 'startup',
  2: 'normal',
  3: 'communications-interrupted',
  4: 'partner-down',
  5: 'potential-conflict',
  6: 'recover',
  7: 'paused',
  8: 'shutdown',
  9: 'recover-done',
  10: 'resolution-interrupted',
  11: 'conflict-done',
  254: 'recover-wait',
};

/** A state number as dhcpd names it; numbers it does not define print as `unknown-state`, as dhcpd does. */
export function failoverStateName(code: number | undefined): string {
  return (code !== undefined ? ISC_FAILOVER_STATES[code] : undefined) ?? 'unknown-state';
}

/** Integer values of dhcpd's `failover-state` object (`dhcp_failover_state_stuff` in server/failover.c). */
const INTEGERS = [
  'partner-port',
  'local-port',
  'max-outstanding-updates',
  'mclt',
  'load-balance-max-secs',
  'partner-state',
  'local-state',
  'partner-stos',
  'local-stos',
  'hierarchy',
  'last-packet-sent',
  'last-timestamp-received',
  'skew',
  'max-response-delay',
  'cur-unacked-updates',
] as const;

/**
 * The values of an opened `failover-state` object → {@link FailoverState}: this server's state and its partner's,
 * by name; `detail` has every value decoded (times as ISO 8601, `hierarchy` as the role) and the raw bytes in hex.
 * dhcpd 4.4 sends `local-address` and `partner-address` as the bytes of an internal pointer, not an address: they
 * are kept raw and never interpreted.
 */
export function failoverStateFromValues(values: OmapiValues): FailoverState {
  const integers: Record<string, number> = {};
  for (const name of INTEGERS) {
    const value = readUint32(values.get(name));
    if (value !== undefined) integers[name] = value;
  }
  const time = (name: string): string | undefined => {
    const seconds = integers[name];
    return seconds ? new Date(seconds * 1000).toISOString() : undefined;
  };
  const raw: Record<string, string> = {};
  for (const [name, value] of values) raw[name] = value.toString('hex');
  const localCode = integers['local-state'];
  const partnerCode = integers['partner-state'];
  const hierarchy = integers['hierarchy'];
  const lastContact = time('last-timestamp-received');
  const detail: Record<string, unknown> = {
    source: 'omapi',
    peerName: values.get('name')?.toString('utf8'),
    role: hierarchy === 0 ? 'primary' : hierarchy === 1 ? 'secondary' : undefined,
    localState: localCode,
    partnerState: partnerCode,
    localStateSince: time('local-stos'),
    partnerStateSince: time('partner-stos'),
    mclt: integers['mclt'],
    loadBalanceMaxSeconds: integers['load-balance-max-secs'],
    maxOutstandingUpdates: integers['max-outstanding-updates'],
    maxResponseDelay: integers['max-response-delay'],
    unackedUpdates: integers['cur-unacked-updates'],
    localPort: integers['local-port'],
    partnerPort: integers['partner-port'],
    skewSeconds: integers['skew'],
    lastPacketSent: time('last-packet-sent'),
    lastTimestampReceived: lastContact,
    raw,
  };
  for (const key of Object.keys(detail)) if (detail[key] === undefined) delete detail[key];
  return {
    state: failoverStateName(localCode),
    ...(partnerCode !== undefined ? { partnerState: failoverStateName(partnerCode) } : {}),
    ...(lastContact ? { lastContact } : {}),
    detail,
  };
}

/**
 * Reads one failover peer's state from a running dhcpd over OMAPI: connects to `host:port`, opens the key
 * (`omapi-key`, HMAC-MD5, secret in base64), opens the `failover-state` object named `peerName` and closes.
 * Throws `OmapiError` (a DriverError): `unreachable` (no connection, no answer within `timeoutMs`), `auth` (key
 * unknown to dhcpd, wrong or malformed secret, no key), `not-found` (no failover peer of that name).
 */
export async function readFailoverState(
  host: string,
  port: number,
  keyName: string | undefined,
  keySecretBase64: string | undefined,
  peerName: string,
  timeoutMs: number,
): Promise<FailoverState> {
  let key: OmapiHmacMd5Key | undefined;
  try {
    key = keyName && keySecretBase64 ? new OmapiHmacMd5Key(keyName, keySecretBase64) : undefined;
  } catch (error) {
    throw new OmapiError(DriverErrorCode.auth, `OMAPI ${host}:${port}: ${(error as Error).message}`);
  }
  const client = await OmapiClient.connect({ host, port, key, timeoutMs });
  try {
    const object = await client.openObject('failover-state', new Map([['name', omapiString(peerName)]]));
    return failoverStateFromValues(object.values);
  } finally {
    client.close();
  }
}
