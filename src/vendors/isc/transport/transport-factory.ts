import { DriverError, DriverErrorCode } from '../../driver-error.js';
import type { ServerTarget } from '../../driver.js';
import { iscTransportSettingsOf } from './isc-transport-settings.js';
import type { IscTransport } from './isc-transport.js';
import { LocalTransport } from './local-transport.js';
import { iscSshPool } from './ssh-pool.js';

/**
 * An open transport to the server's host, chosen by `connection.transport`; the caller closes it. SSH connections
 * come from the pool (ssh-pool.ts): closing gives the connection back for the next operation.
 */
export async function transportFor(target: ServerTarget): Promise<IscTransport> {
  const settings = iscTransportSettingsOf(target);
  if (settings.transport === 'local' && !localAllowed) {
    // Registered while the operator allowed it, perhaps: refused all the same once they no longer do.
    throw new DriverError(
      DriverErrorCode.unsupported,
      `server ${target.name} is registered with transport local, which this service does not allow ` +
        '(ISC_LOCAL_TRANSPORT=on allows it): change its connection to transport ssh',
    );
  }
  return settings.transport === 'local' ? new LocalTransport(settings) : iscSshPool.take(settings);
}

let localAllowed = true;

/** Whether transport `local` may be used (ISC_LOCAL_TRANSPORT; the ISC module sets it from the configuration). */
export function allowLocalTransport(allowed: boolean): void {
  localAllowed = allowed;
}

/** Runs a batch of operations over one connection to the server's host, closing it afterwards. */
export async function withIscTransport<T>(
  target: ServerTarget,
  run: (transport: IscTransport) => Promise<T>,
): Promise<T> {
  const transport = await transportFor(target);
  try {
    return await run(transport);
  } finally {
    await transport.close();
  }
}
