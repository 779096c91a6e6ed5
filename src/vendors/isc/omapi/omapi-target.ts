import type { FailoverState, ServerTarget } from '../../driver.js';
import { FailoverStateUnknowableError } from '../../driver-error.js';
import { readFailoverState } from './isc-failover-state.js';

/** Where and how a registered ISC server's OMAPI is reached. */
export interface OmapiSettings {
  host: string;
  port: number;
  keyName: string;
  /** base64; a secret, never logged. */
  key: string;
}

export const OMAPI_TIMEOUT_MS = 10_000;

/**
 * The OMAPI settings of a registration, or undefined when it has none (the registry accepts all three of
 * `omapiPort`, `omapiKeyName` and the `omapiKey` secret, or none). OMAPI is reached on the SSH `host` when there is
 * one, else on the server's `address` (dhcpd listens for OMAPI on all its addresses).
 */
export function omapiSettingsOf(target: ServerTarget): OmapiSettings | undefined {
  const { omapiPort, omapiKeyName, host } = target.connection;
  const key = target.secrets['omapiKey'];
  if (typeof omapiPort !== 'number' || typeof omapiKeyName !== 'string' || !key) return undefined;
  return {
    host: typeof host === 'string' && host ? host : target.address,
    port: omapiPort,
    keyName: omapiKeyName,
    key,
  };
}

/**
 * One ISC server's state in failover peer `peerName`, read live over OMAPI. A server registered without OMAPI
 * cannot tell its state (dhcpd exposes it nowhere else): a FailoverStateUnknowableError (an `unsupported`
 * DriverError) saying so plainly.
 */
export async function readServerFailoverState(
  target: ServerTarget,
  peerName: string,
  timeoutMs = OMAPI_TIMEOUT_MS,
): Promise<FailoverState> {
  const settings = omapiSettingsOf(target);
  if (!settings) {
    throw new FailoverStateUnknowableError(
      `The failover state of ${target.name} cannot be known: dhcpd reports it only over OMAPI, and this server is ` +
        'registered without omapiPort, omapiKeyName and omapiKey',
    );
  }
  return readFailoverState(settings.host, settings.port, settings.keyName, settings.key, peerName, timeoutMs);
}
