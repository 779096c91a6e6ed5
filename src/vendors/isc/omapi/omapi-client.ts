import { randomInt } from 'node:crypto';
import net from 'node:net';
import { DriverErrorCode } from '../../driver-error.js';
import { OmapiError, statusError } from './omapi-errors.js';
import { HMAC_MD5_ALGORITHM, type OmapiHmacMd5Key } from './omapi-key.js';
import {
  type DecodedOmapiMessage,
  encodeIntro,
  encodeMessage,
  OmapiOp,
  OmapiProtocolError,
  OmapiReader,
  omapiString,
  type OmapiValues,
  readUint32,
} from './omapi-wire.js';

export interface OmapiConnectOptions {
  host: string;
  port: number;
  /** The server's `omapi-key`; without one the connection is unauthenticated (dhcpd then refuses most things). */
  key?: OmapiHmacMd5Key;
  /** Bounds connecting (TCP, introductions, opening the key) and, separately, each request. */
  timeoutMs: number;
}

/** An object the server opened for us: its handle on the server and its published values. */
export interface OmapiObject {
  handle: number;
  values: OmapiValues;
}

interface Pending {
  what: string;
  resolve(message: DecodedOmapiMessage): void;
  reject(error: OmapiError): void;
  timer: NodeJS.Timeout;
}

/**
 * A client of dhcpd's OMAPI (`omapi-port`), enough to open objects by their lookup keys and read their values — the
 * way `omshell` does `new failover-state; set name = "fo"; open`. One TCP connection; requests are matched to
 * answers by transaction id; every wait is bounded. Failures are {@link OmapiError}s (DriverErrors): no answer,
 * a refused connection or a protocol violation → `unreachable`; a refused key or a bad signature → `auth`; an
 * object that does not exist → `not-found`.
 */
export class OmapiClient {
  private readonly reader = new OmapiReader();
  private readonly pending = new Map<number, Pending>();
  private nextId = randomInt(1, 0x7fffffff);
  private authHandle = 0;
  private failure?: OmapiError;
  private introduced?: () => void;

  private constructor(
    private readonly socket: net.Socket,
    private readonly options: OmapiConnectOptions,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      this.fail(
        new OmapiError(
          DriverErrorCode.unreachable,
          `OMAPI ${this.address}: ${error.code ?? error.message}`,
          undefined,
          error.message,
          { cause: error },
        ),
      ),
    );
    socket.on('close', () =>
      this.fail(
        new OmapiError(
          DriverErrorCode.unreachable,
          `OMAPI ${this.address}: the server closed the connection`,
        ),
      ),
    );
  }

  /** Connects, exchanges introductions and, with a key, opens it as the connection's authenticator. */
  static async connect(options: OmapiConnectOptions): Promise<OmapiClient> {
    const socket = new net.Socket();
    const client = new OmapiClient(socket, options);
    const address = client.address;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new OmapiError(
              DriverErrorCode.unreachable,
              `OMAPI ${address}: no OMAPI session within ${options.timeoutMs} ms`,
            ),
          ),
        options.timeoutMs,
      );
    });
    try {
      await Promise.race([client.open(), deadline]);
      return client;
    } catch (error) {
      client.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  /**
   * Opens an existing object of `type` found by `lookup` (dhcpd's lookup keys: a failover-state by `name`, a lease
   * by `ip-address`, a host by `name`, ...) and returns its values.
   */
  async openObject(type: string, lookup: OmapiValues): Promise<OmapiObject> {
    const name = lookup.get('name');
    const what = name ? `open ${type} ${JSON.stringify(name.toString('utf8'))}` : `open ${type}`;
    const answer = await this.request(what, {
      op: OmapiOp.open,
      handle: 0,
      message: new Map([['type', omapiString(type)]]),
      object: lookup,
    });
    return { handle: answer.handle, values: answer.object };
  }

  /** Closes the connection (idempotent); requests still waiting fail as `unreachable`. */
  close(): void {
    this.fail(new OmapiError(DriverErrorCode.unreachable, `OMAPI ${this.address}: connection closed`));
    this.socket.destroy();
  }

  private async open(): Promise<void> {
    const introduced = new Promise<void>((resolve) => (this.introduced = resolve));
    await new Promise<void>((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
      this.socket.connect({ host: this.options.host, port: this.options.port });
    }).catch((error: NodeJS.ErrnoException) => {
      throw new OmapiError(
        DriverErrorCode.unreachable,
        `OMAPI ${this.address}: cannot connect (${error.code ?? error.message})`,
        undefined,
        error.message,
        { cause: error },
      );
    });
    this.socket.setNoDelay(true);
    this.socket.write(encodeIntro());
    await Promise.race([introduced, this.failed()]);
    const key = this.options.key;
    if (!key) return;
    // Opening the key is the one request sent unsigned: its answer carries the handle that signs the others.
    const answer = await this.request(`open key ${key.name}`, {
      op: OmapiOp.open,
      handle: 0,
      message: new Map([['type', omapiString('authenticator')]]),
      object: new Map([
        ['name', omapiString(key.name)],
        ['algorithm', omapiString(HMAC_MD5_ALGORITHM)],
      ]),
    }).catch((error: unknown) => {
      // dhcpd answers "no object matches specification" for a key name it does not hold.
      if (error instanceof OmapiError && error.code === DriverErrorCode.notFound) {
        throw new OmapiError(
          DriverErrorCode.auth,
          `OMAPI ${this.address}: dhcpd does not know the key ${key.name}`,
          error.result,
          error.vendorMessage,
          { cause: error },
        );
      }
      throw error;
    });
    if (answer.handle === 0) {
      throw new OmapiError(DriverErrorCode.auth, `OMAPI ${this.address}: dhcpd gave the key no handle`);
    }
    this.authHandle = answer.handle;
  }

  /** Resolves never; rejects when the connection fails. */
  private failed(): Promise<never> {
    return new Promise<never>((_, reject) => {
      if (this.failure) reject(this.failure);
      else this.socket.once('close', () => reject(this.failure ?? new Error('closed')));
    });
  }

  private request(
    what: string,
    message: { op: number; handle: number; message: OmapiValues; object: OmapiValues },
  ): Promise<DecodedOmapiMessage> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    const signer = this.authHandle ? this.options.key : undefined;
    const bytes = encodeMessage({ ...message, authId: this.authHandle, id, rid: 0 }, signer);
    return new Promise<DecodedOmapiMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new OmapiError(
            DriverErrorCode.unreachable,
            `OMAPI ${this.address}: ${what}: no answer within ${this.options.timeoutMs} ms`,
          ),
        );
      }, this.options.timeoutMs);
      this.pending.set(id, { what, resolve, reject, timer });
      this.socket.write(bytes);
    });
  }

  private receive(chunk: Buffer): void {
    try {
      this.reader.push(chunk);
      for (let frame = this.reader.next(); frame; frame = this.reader.next()) {
        if (frame.kind === 'intro') this.introduced?.();
        else this.dispatch(frame);
      }
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      const what = error instanceof OmapiProtocolError ? 'not OMAPI' : 'unreadable answer';
      this.fail(
        new OmapiError(
          DriverErrorCode.unreachable,
          `OMAPI ${this.address}: ${what}: ${text}`,
          undefined,
          text,
          {
            cause: error,
          },
        ),
      );
      this.socket.destroy();
    }
  }

  private dispatch(message: DecodedOmapiMessage): void {
    const waiting = this.pending.get(message.rid);
    // Notifications and answers to requests we gave up on are not ours to handle.
    if (message.rid === 0 || !waiting) return;
    this.pending.delete(message.rid);
    clearTimeout(waiting.timer);
    const signatureProblem = this.checkSignature(message);
    if (signatureProblem) {
      waiting.reject(new OmapiError(DriverErrorCode.auth, `OMAPI ${this.address}: ${signatureProblem}`));
      return;
    }
    if (message.op === OmapiOp.update) {
      waiting.resolve(message);
      return;
    }
    if (message.op === OmapiOp.status) {
      const result = readUint32(message.message.get('result')) ?? -1;
      const text = message.message.get('message')?.toString('utf8');
      waiting.reject(statusError(`OMAPI ${this.address}: ${waiting.what}`, result, text));
      return;
    }
    waiting.reject(
      new OmapiError(
        DriverErrorCode.unreachable,
        `OMAPI ${this.address}: ${waiting.what}: unexpected answer (opcode ${message.op})`,
      ),
    );
  }

  /** A signed answer must be signed by our key and verify; an unsigned one (a status) is taken as it is. */
  private checkSignature(message: DecodedOmapiMessage): string | undefined {
    if (message.authId === 0) return undefined;
    const key = this.options.key;
    if (!key || message.authId !== this.authHandle) {
      return `answer signed by an authenticator we did not open (${message.authId})`;
    }
    if (!key.verify(message.signedBytes, message.signature)) {
      return `the signature of dhcpd's answer does not verify with key ${key.name}`;
    }
    return undefined;
  }

  private fail(error: OmapiError): void {
    this.failure ??= error;
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      this.pending.delete(id);
      waiting.reject(this.failure);
    }
  }
}
