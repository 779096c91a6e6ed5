import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

const SECRET_FIELDS = [
  'password',
  'privateKey',
  'privateKeyPassphrase',
  'clientKey',
  'omapiKey',
  'sharedSecret',
  'secret',
  'key',
  'token',
  'BOOTSTRAP_API_KEY',
  'ENCRYPTION_KEY',
];

/** Paths pino blanks out wherever they appear (up to three levels deep), whatever logged them. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`, `*.*.*.${field}`]),
];

/**
 * Keeps a caller's X-Request-Id when it is sane, else makes one; either way echoes it back. Runs as the first
 * middleware (so even body-parsing problems carry it) and again as pino-http's genReqId, which reuses it.
 */
export function assignRequestId(
  request: IncomingMessage & { id?: unknown },
  response: ServerResponse,
): string {
  if (typeof request.id === 'string') {
    return request.id;
  }
  const incoming = request.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  response.setHeader('X-Request-Id', id);
  request.id = id;
  return id;
}

export function loggerOptions(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      genReqId: assignRequestId,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      customLogLevel: (_request, response, error) =>
        error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
      autoLogging: { ignore: (request) => request.url === '/health' || request.url === '/metrics' },
      serializers: {
        // The query string can carry filter values but never credentials; bodies are never logged.
        req: (request: { id: unknown; method: string; url: string; headers: Record<string, unknown> }) => ({
          id: request.id,
          method: request.method,
          url: request.url,
          headers: { 'user-agent': request.headers['user-agent'] },
        }),
      },
    },
  };
}
