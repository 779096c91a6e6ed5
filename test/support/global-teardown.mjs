import pg from 'pg';

const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export default async function globalTeardown() {
  if (!process.env.DFM_TEST_RUN_ID) return;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS dfm_template_${process.env.DFM_TEST_RUN_ID} WITH (FORCE)`);
    delete process.env.DFM_TEST_RUN_ID;
  } finally {
    await admin.end();
  }
}
