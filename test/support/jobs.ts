import { readFileSync } from 'node:fs';
import { bearer, type TestApp } from './test-app.js';

export type JobBody = Record<string, unknown> & {
  id: string;
  state: string;
  attempts: number;
  outcome: { scopes?: Record<string, ScopeOutcomeBody> };
};
export type ScopeOutcomeBody = Record<string, unknown> & { state: string; network: string };

/** POST /replications (expects 202 with the job's Location) and returns the job's id. */
export async function requestReplication(
  t: TestApp,
  body: Record<string, unknown>,
  key = t.adminKey,
  headers: Record<string, string> = {},
): Promise<string> {
  const accepted = await t.http
    .post('/api/v1/replications')
    .set(bearer(key))
    .set(headers)
    .send(body)
    .expect(202);
  expect(accepted.headers['location']).toBe(`/api/v1/jobs/${accepted.body.id}`);
  return accepted.body.id as string;
}

/** Polls GET /jobs/{id} as a caller would until the job is finished (bounded by `timeoutMs`). */
export async function waitForJob(
  t: TestApp,
  id: string,
  key = t.adminKey,
  timeoutMs = 60_000,
): Promise<JobBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await t.http.get(`/api/v1/jobs/${id}`).set(bearer(key)).expect(200)).body as JobBody;
    if (job.name === 'replicate') expectDocumentedOutcome(job.outcome);
    if (!['queued', 'running'].includes(job.state)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Requests a replication and waits for its job to finish. */
export async function replicate(
  t: TestApp,
  body: Record<string, unknown>,
  key = t.adminKey,
  headers: Record<string, string> = {},
): Promise<JobBody> {
  return waitForJob(t, await requestReplication(t, body, key, headers), key);
}

interface ObjectSchema {
  properties: Record<string, { enum?: string[]; items?: { enum?: string[] } }>;
  required?: string[];
}

let schemas: Record<string, ObjectSchema> | undefined;

/** A replication's outcome as callers read it holds only what openapi.json documents (ReplicationOutcomeDto). */
function expectDocumentedOutcome(outcome: Record<string, unknown>): void {
  schemas ??= (
    JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as {
      components: { schemas: Record<string, ObjectSchema> };
    }
  ).components.schemas;
  const conforms = (value: Record<string, unknown>, schema: ObjectSchema): void => {
    expect(Object.keys(value).filter((key) => !(key in schema.properties))).toEqual([]);
    expect((schema.required ?? []).filter((key) => value[key] === undefined)).toEqual([]);
    for (const [key, property] of Object.entries(schema.properties)) {
      const allowed = property.enum ?? property.items?.enum;
      const given = value[key];
      if (!allowed || given === undefined) continue;
      for (const item of Array.isArray(given) ? given : [given]) expect(allowed).toContain(item);
    }
  };
  expect(Object.keys(outcome).filter((key) => !['scopes', 'timings'].includes(key))).toEqual([]);
  const scopes = (outcome['scopes'] ?? {}) as Record<string, Record<string, unknown>>;
  for (const scope of Object.values(scopes)) conforms(scope, schemas['ReplicationScopeOutcomeDto']);
  const timings = (outcome['timings'] ?? {}) as Record<string, Record<string, unknown>>;
  for (const leg of Object.values(timings)) conforms(leg, schemas['ReplicationLegTimingsDto']);
}
