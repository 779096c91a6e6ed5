import { readFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import type { Express, Response } from 'express';

interface PropertySchema {
  enum?: unknown[];
  items?: { enum?: unknown[] };
}

let documented: Record<string, PropertySchema> | undefined;

function problemSchema(): Record<string, PropertySchema> {
  documented ??= (
    JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as {
      components: { schemas: Record<string, { properties: Record<string, PropertySchema> }> };
    }
  ).components.schemas['ProblemDetails']?.properties;
  if (!documented) throw new Error('openapi/openapi.json has no ProblemDetails schema');
  return documented;
}

/** What in a problem+json body the committed ProblemDetails schema does not document: members, or enum values. */
export function undocumentedIn(body: Record<string, unknown>): string[] {
  const properties = problemSchema();
  return Object.entries(body).flatMap(([member, value]) => {
    const property = properties[member];
    if (!property) return [member];
    const allowed = property.enum ?? property.items?.enum;
    const given = Array.isArray(value) ? value : [value];
    return allowed
      ? given.filter((item) => !allowed.includes(item)).map((item) => `${member}=${String(item)}`)
      : [];
  });
}

/**
 * Checks every problem+json body `app` sends, whatever sends it (the filter, the body parser's errors, the queue
 * dashboard), against the committed ProblemDetails schema: the wire-level twin of problem-members.spec.ts over what
 * the tests make the app answer. Returns what it found so far; the test app's close() fails on any.
 */
export function watchProblemBodies(app: INestApplication): () => string[] {
  const found: string[] = [];
  // The app's own response prototype: other apps in the same test process are left alone.
  const prototype = (app.getHttpAdapter().getInstance() as Express).response;
  const send = prototype.send;
  prototype.send = function (this: Response, body?: unknown) {
    if (String(this.get('Content-Type')).startsWith('application/problem+json') && typeof body === 'string') {
      const members = undocumentedIn(JSON.parse(body) as Record<string, unknown>);
      const where = `${this.statusCode} ${this.req.method} ${this.req.originalUrl}`;
      found.push(...members.map((member) => `${where}: ${member}`));
    }
    return send.call(this, body);
  };
  return () => [...found];
}
