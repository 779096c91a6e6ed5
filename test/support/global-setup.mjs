// Runs outside Jest's module system, so it uses the compiled service (npm test builds first).
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../dist/src/database/data-source-options.js';
import { migrateUnderLock } from '../../dist/src/database/migrate.js';

const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Migrates a template database once per run; test files clone it (CREATE DATABASE ... TEMPLATE). */
export default async function globalSetup() {
  // Every project that needs a database names this setup; the first one to run makes the template for all.
  if (process.env.DFM_TEST_RUN_ID) return;
  process.env.DFM_TEST_RUN_ID = randomBytes(4).toString('hex');
  const name = `dfm_template_${process.env.DFM_TEST_RUN_ID}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await dropStaleDatabases(admin);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const dataSource = await new DataSource(dataSourceOptions(url.toString())).initialize();
  try {
    await migrateUnderLock(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

// Databases left by an interrupted run (older than an hour) are dropped so they do not pile up.
async function dropStaleDatabases(admin) {
  const stale = await admin
    .query(
      `SELECT datname FROM pg_database d
        WHERE (datname LIKE 'dfm\\_template\\_%' OR datname LIKE 'dfm\\_t\\_%')
          AND (pg_stat_file('base/' || d.oid || '/PG_VERSION')).modification < now() - interval '1 hour'`,
    )
    .catch(() => ({ rows: [] }));
  for (const { datname } of stale.rows) {
    await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
  }
}
