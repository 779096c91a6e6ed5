import { readFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import type { Express, Response } from 'express';

/** The headers a caller acts on (the next conditional request, the created resource): each must be documented. */
const WATCHED = ['ETag', 'Location'];

type Operations = Record<string, Record<string, { responses: Record<string, { headers?: object }> }>>;

let paths: Operations | undefined;

function documentedPaths(): Operations {
  paths ??= (
    JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as {
      paths: Operations;
    }
  ).paths;
  return paths;
}

/** The watched headers `response` carries that the committed document does not list on its operation's status. */
export function undocumentedHeaders(
  method: string,
  routePath: string,
  status: number,
  sent: string[],
): string[] {
  // Express's `/api/v1/servers/:id` is OpenAPI's `/api/v1/servers/{id}`.
  const path = routePath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  const response = documentedPaths()[path]?.[method.toLowerCase()]?.responses[String(status)];
  const headers = Object.keys(response?.headers ?? {}).map((name) => name.toLowerCase());
  return sent.filter((name) => !headers.includes(name.toLowerCase()));
}

/**
 * Checks every successful answer of an API route `app` sends for an `ETag` or `Location` the committed OpenAPI
 * document does not list on that operation and status (generated clients and pipelines read them from there).
 * Returns what it found so far; the test app's close() fails on any.
 */
export function watchResponseHeaders(app: INestApplication): () => string[] {
  const found: string[] = [];
  const prototype = (app.getHttpAdapter().getInstance() as Express).response;
  const send = prototype.send;
  prototype.send = function (this: Response, body?: unknown) {
    const route = (this.req.route as { path?: unknown } | undefined)?.path;
    if (typeof route === 'string' && this.statusCode < 400) {
      const sent = WATCHED.filter((name) => this.get(name) !== undefined);
      const missing = undocumentedHeaders(this.req.method, route, this.statusCode, sent);
      found.push(...missing.map((name) => `${this.statusCode} ${this.req.method} ${route}: ${name}`));
    }
    return send.call(this, body);
  };
  return () => [...found];
}
