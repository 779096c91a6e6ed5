import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { DriverError, DriverErrorCode } from '../driver-error.js';
import { errorText, toDriverError } from '../transport-errors.js';
import { fingerprintMatches, sshFingerprint } from './host-key.js';
import { sshDescription, type SshSettings } from './ssh-settings.js';

/**
 * Opens an SSH connection (ssh2): verifies the pinned host key, authenticates, all within the connect timeout.
 * Every failure is a `DriverError`: a host key that is not the pinned one or refused credentials are `auth`, a host
 * that does not answer is `unreachable`.
 */
export async function connectSsh(settings: SshSettings): Promise<Client> {
  const description = sshDescription(settings);
  const client = new Client();
  let presented: string | undefined;
  let hostKeyRefused = false;
  const config: ConnectConfig = {
    host: settings.host,
    port: settings.port,
    username: settings.username,
    password: settings.password,
    privateKey: settings.privateKey,
    passphrase: settings.privateKeyPassphrase,
    readyTimeout: settings.connectTimeoutMs,
    // A peer that vanishes without a FIN is noticed within ~30 s instead of hanging a job.
    keepaliveInterval: 10_000,
    keepaliveCountMax: 3,
    tryKeyboard: false,
    hostVerifier: (key: Buffer): boolean => {
      presented = sshFingerprint(key);
      const pinned = settings.hostKeyFingerprint;
      hostKeyRefused = pinned === undefined || !fingerprintMatches(pinned, presented);
      return !hostKeyRefused;
    },
  };
  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    const settle = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      client.removeAllListeners('ready');
      if (error === undefined) {
        // Without it, Nagle's algorithm and the peer's delayed ACK hold each SFTP request ~40 ms (Linux).
        client.setNoDelay(true);
        resolve(client);
        return;
      }
      client.on('error', () => undefined); // late socket errors of an abandoned connection
      client.destroy();
      reject(connectError(error, description, settings, hostKeyRefused ? presented : undefined));
    };
    // readyTimeout bounds the handshake; this also bounds DNS and TCP connect, whatever ssh2 does.
    const guard = setTimeout(
      () => settle(Object.assign(new Error('timed out'), { level: 'client-timeout' })),
      settings.connectTimeoutMs + 1_000,
    );
    client.once('ready', () => settle());
    client.once('error', (error) => settle(error));
    client.once('close', () => settle(new Error('connection closed during the handshake')));
    try {
      client.connect(config);
    } catch (error) {
      // ssh2 throws synchronously for a key it cannot parse or decrypt.
      settle(Object.assign(error as Error, { level: 'client-key' }));
    }
  });
}

/** Starts `line` on a new exec channel of `client`; a refusal is a `DriverError`. */
export function openExec(client: Client, line: string, description: string): Promise<ClientChannel> {
  return new Promise<ClientChannel>((resolve, reject) => {
    try {
      client.exec(line, (error, stream) => (error ? reject(error) : resolve(stream)));
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  }).catch((error: unknown) => {
    throw toDriverError(error, `${description}: exec`);
  });
}

/** Ends the connection politely, or destroys it when it does not close within 2 s. */
export function closeSsh(client: Client): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      client.destroy();
      resolve();
    }, 2_000);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    client.end();
  });
}

function connectError(
  error: unknown,
  description: string,
  settings: SshSettings,
  refusedHostKey: string | undefined,
): DriverError {
  const detail = errorText(error);
  const level = (error as { level?: unknown }).level;
  if (refusedHostKey !== undefined) {
    const message =
      settings.hostKeyFingerprint === undefined
        ? `${description}: no host key fingerprint is registered, so the connection was refused; ` +
          `the server presented ${refusedHostKey} (check it out of band, then register it as hostKeyFingerprint)`
        : `${description}: host key mismatch: pinned ${settings.hostKeyFingerprint}, ` +
          `the server presented ${refusedHostKey}`;
    return new DriverError(DriverErrorCode.auth, message, detail, { cause: error });
  }
  if (level === 'client-authentication') {
    const method = settings.privateKey ? 'private key' : settings.password ? 'password' : 'no credentials';
    return new DriverError(
      DriverErrorCode.auth,
      `${description}: authentication refused (${method})`,
      detail,
      { cause: error },
    );
  }
  if (level === 'client-key') {
    return new DriverError(
      DriverErrorCode.auth,
      `${description}: the private key cannot be used (${detail})`,
      detail,
      { cause: error },
    );
  }
  if (level === 'client-timeout') {
    return new DriverError(
      DriverErrorCode.unreachable,
      `${description}: no SSH handshake within ${settings.connectTimeoutMs} ms`,
      detail,
      { cause: error },
    );
  }
  return toDriverError(error, `${description}: connect`);
}
