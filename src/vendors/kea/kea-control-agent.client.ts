import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';
import { DriverError, DriverErrorCode } from '../driver-error.js';
import type { KeaSettings } from './kea-settings.js';

/** Kea's result codes (Kea ARM, "Management API"). */
export const KeaResult = { success: 0, error: 1, unsupported: 2, empty: 3, conflict: 4 } as const;

/** The digests this driver reports: sha256, 16 hex digits. */
export function shortDigest(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

/**
 * Command arguments serialized already, as UTF-8 bytes: a large configuration sent twice (config-test, config-set)
 * is serialized once, and no second copy of it is made as a string.
 */
export class JsonText {
  readonly bytes: Buffer;
  /** sha256 of the bytes (16 hex digits), the digest of what was sent. */
  readonly digest: string;

  constructor(text: string) {
    this.bytes = Buffer.from(text, 'utf8');
    this.digest = shortDigest(this.bytes);
  }
}

export interface KeaAnswer<T = Record<string, unknown>> {
  result: number;
  text?: string;
  arguments?: T;
  /** sha256 of the answer as Kea sent it (16 hex digits): the same configuration always prints the same. */
  digest?: string;
}

/**
 * Talks to one Kea Control Agent over HTTP(S): one JSON command per request, forwarded to the `dhcp4` daemon.
 * Transport failures and refusals become DriverErrors here; callers read `result` for the daemon's own answer.
 */
export class KeaControlAgentClient {
  private readonly dispatcher: Agent;
  private readonly authorization?: string;

  constructor(private readonly settings: KeaSettings) {
    this.dispatcher = new Agent({
      connect: {
        ca: settings.caCert,
        cert: settings.clientCert,
        key: settings.clientKey,
        rejectUnauthorized: settings.verifyTls,
        // Kea 2.2's agent fails resumed TLS sessions with an "internal error" alert when it requires client
        // certificates (seen here): every connection does a full handshake.
        maxCachedSessions: 0,
      },
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.timeoutMs,
      connectTimeout: Math.min(settings.timeoutMs, 5_000),
    });
    if (settings.username !== undefined) {
      const credentials = `${settings.username}:${settings.password ?? ''}`;
      this.authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
    }
  }

  /** Sends `command` to the dhcp4 daemon behind the agent and returns its answer (any result code). */
  async command<T = Record<string, unknown>>(
    command: string,
    args?: Record<string, unknown> | JsonText,
  ): Promise<KeaAnswer<T>> {
    const body =
      args instanceof JsonText
        ? Buffer.concat([
            Buffer.from(`{"command":${JSON.stringify(command)},"service":["dhcp4"],"arguments":`),
            args.bytes,
            Buffer.from('}'),
          ])
        : JSON.stringify({ command, service: ['dhcp4'], ...(args ? { arguments: args } : {}) });
    let response;
    try {
      response = await request(this.settings.url, {
        method: 'POST',
        dispatcher: this.dispatcher,
        headers: {
          'content-type': 'application/json',
          ...(this.authorization ? { authorization: this.authorization } : {}),
        },
        body,
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (error) {
      throw transportError(this.settings.url, error);
    }
    const text = await response.body.text();
    if (response.statusCode === 401 || response.statusCode === 403) {
      throw new DriverError(
        DriverErrorCode.auth,
        `Kea Control Agent at ${this.settings.url} refused the credentials`,
        text.trim(),
      );
    }
    if (response.statusCode >= 300) {
      throw new DriverError(
        DriverErrorCode.unreachable,
        `Kea Control Agent at ${this.settings.url} answered HTTP ${response.statusCode}`,
        text.trim().slice(0, 500),
      );
    }
    const answer = parseAnswer<T>(this.settings.url, command, text);
    answer.digest = shortDigest(text);
    return answer;
  }

  /** Like {@link command}, but anything other than success is a DriverError. */
  async expectSuccess<T = Record<string, unknown>>(
    command: string,
    args?: Record<string, unknown> | JsonText,
  ): Promise<KeaAnswer<T>> {
    const answer = await this.command<T>(command, args);
    if (answer.result !== KeaResult.success) {
      throw answerError(command, answer);
    }
    return answer;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

function parseAnswer<T>(url: string, command: string, text: string): KeaAnswer<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DriverError(
      DriverErrorCode.unreachable,
      `${url} did not answer ${command} with JSON; is it a Kea Control Agent?`,
    );
  }
  // With `service` the agent answers an array, one answer per daemon; without, a single object.
  const answer = (Array.isArray(parsed) ? parsed[0] : parsed) as KeaAnswer<T> | undefined;
  if (!answer || typeof answer.result !== 'number') {
    throw new DriverError(DriverErrorCode.unreachable, `${url} answered ${command} with no Kea result`);
  }
  return answer;
}

/** The daemon's refusal as a DriverError, keeping Kea's own text. */
export function answerError(command: string, answer: KeaAnswer<unknown>): DriverError {
  const text = answer.text ?? '(no text)';
  switch (answer.result) {
    case KeaResult.unsupported:
      return new DriverError(DriverErrorCode.unsupported, `Kea does not support ${command}`, text);
    case KeaResult.empty:
      return new DriverError(DriverErrorCode.notFound, `Kea found nothing for ${command}`, text);
    case KeaResult.conflict:
      return new DriverError(DriverErrorCode.conflict, `Kea reported a conflict for ${command}`, text);
    default:
      if (/server is likely to be offline|unable to forward command|connection refused/i.test(text)) {
        return new DriverError(
          DriverErrorCode.unreachable,
          `The Kea DHCPv4 daemon behind the agent did not answer ${command}`,
          text,
        );
      }
      if (command === 'config-test' || command === 'config-set') {
        return new DriverError(DriverErrorCode.invalidConfig, 'Kea rejected the configuration', text);
      }
      return new DriverError(DriverErrorCode.invalidConfig, `Kea refused ${command}`, text);
  }
}

function transportError(url: string, error: unknown): DriverError {
  const code = (error as { code?: string }).code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code + message)) {
    return new DriverError(DriverErrorCode.auth, `TLS with the Kea Control Agent at ${url} failed`, message, {
      cause: error,
    });
  }
  return new DriverError(
    DriverErrorCode.unreachable,
    `Cannot reach the Kea Control Agent at ${url}`,
    code || message,
    {
      cause: error,
    },
  );
}
