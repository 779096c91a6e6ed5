/** Where the tests find the real Postgres and Redis (CI and developers' machines run both on loopback). */
export const PG_ADMIN_URL = process.env['TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** One template database per test run, migrated once; each test file clones it. */
export function templateName(): string {
  const runId = process.env['DFM_TEST_RUN_ID'];
  if (!runId) {
    throw new Error(
      'DFM_TEST_RUN_ID is not set: run the integration tests through jest (globalSetup sets it)',
    );
  }
  return `dfm_template_${runId}`;
}

export function databaseUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
