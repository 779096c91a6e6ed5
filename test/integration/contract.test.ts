import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { migrateUnderLock } from '../../src/database/migrate.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { generateOpenApiDocument, serializeOpenApiDocument } from '../../src/openapi/preview-app.js';
import { BUILT_IN_ROLES } from '../../src/permissions/built-in-roles.js';
import { createEmptyDatabase } from '../support/test-database.js';

describe('committed contracts', () => {
  it('openapi/openapi.json is what the code generates (run `npm run openapi` when this fails)', async () => {
    const committed = readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8');
    expect(serializeOpenApiDocument(await generateOpenApiDocument())).toBe(committed);
  });

  it('every operation has a summary, a tag, security and documented error responses', async () => {
    const document = (await generateOpenApiDocument()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            summary?: string;
            tags?: string[];
            security?: unknown[];
            responses: Record<string, { content?: Record<string, unknown> }>;
          }
        >
      >;
    };
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect({ where, summary: Boolean(operation.summary) }).toEqual({ where, summary: true });
        expect({ where, tags: operation.tags?.length }).toEqual({ where, tags: 1 });
        expect({ where, security: operation.security }).toEqual({ where, security: [{ bearer: [] }] });
        for (const status of ['400', '401', '403']) {
          expect({ where, status, content: Object.keys(operation.responses[status]?.content ?? {}) }).toEqual(
            {
              where,
              status,
              content: ['application/problem+json'],
            },
          );
        }
      }
    }
  });

  it('every operation, parameter and schema property has a description, and every error is problem+json', async () => {
    const document = (await generateOpenApiDocument()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            summary?: string;
            description?: string;
            parameters?: Array<{ name: string; in: string; description?: string }>;
            responses: Record<string, { content?: Record<string, unknown> }>;
          }
        >
      >;
      components: {
        schemas: Record<
          string,
          { properties?: Record<string, { description?: string; $ref?: string; allOf?: unknown }> }
        >;
      };
    };
    const operationsLacking: string[] = [];
    const parametersLacking: string[] = [];
    const errorsNotProblems: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        if (!operation.summary?.trim() || !operation.description?.trim()) operationsLacking.push(where);
        for (const parameter of operation.parameters ?? []) {
          if (!parameter.description?.trim())
            parametersLacking.push(`${where} ${parameter.in} ${parameter.name}`);
        }
        for (const [status, response] of Object.entries(operation.responses)) {
          const content = Object.keys(response.content ?? {});
          if (Number(status) >= 400 && (content.length !== 1 || content[0] !== 'application/problem+json')) {
            errorsNotProblems.push(`${where} ${status}: ${content.join(', ') || 'no content'}`);
          }
        }
      }
    }
    const propertiesLacking: string[] = [];
    for (const [schema, { properties }] of Object.entries(document.components.schemas)) {
      for (const [name, property] of Object.entries(properties ?? {})) {
        // A $ref or allOf property shows the description of the schema it points to.
        if (property.$ref || property.allOf) continue;
        if (!property.description?.trim()) propertiesLacking.push(`${schema}.${name}`);
      }
    }
    expect({ operationsLacking, parametersLacking, errorsNotProblems, propertiesLacking }).toEqual({
      operationsLacking: [],
      parametersLacking: [],
      errorsNotProblems: [],
      propertiesLacking: [],
    });
  });

  it('the relationship routes, and the reads of a server configuration that may not parse, document what the servers make them answer', async () => {
    const document = (await generateOpenApiDocument()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const documented = (path: string, method: string): string[] =>
      Object.keys(document.paths[`/api/v1${path}`]?.[method]?.responses ?? {});
    const expected: Array<[string, string, string[]]> = [
      ['/relationships', 'post', ['409', '422', '502']],
      ['/relationships/{id}', 'patch', ['409', '422', '502']],
      ['/relationships/{id}', 'delete', ['409', '422', '502']],
      ['/relationships/{id}/scopes', 'get', ['422', '502']],
      ['/relationships/{id}/scopes', 'post', ['409', '422', '502']],
      ['/relationships/{id}/scopes/{network}', 'delete', ['409', '422', '502']],
      ['/servers/{id}/failover-peers', 'get', ['422', '502']],
      ['/servers/{id}/failover-peers/{name}', 'get', ['422', '502']],
      ['/servers/{id}/scopes', 'get', ['422', '502']],
      ['/servers/{id}/scopes/{network}', 'get', ['422', '502']],
    ];
    for (const [path, method, statuses] of expected) {
      const where = `${method.toUpperCase()} ${path}`;
      expect({ where, missing: statuses.filter((s) => !documented(path, method).includes(s)) }).toEqual({
        where,
        missing: [],
      });
    }
  });

  it('the server registry documents its 409s (a server in a relationship, credentials that cannot be decrypted)', async () => {
    const document = (await generateOpenApiDocument()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    for (const [path, method] of [
      ['/servers/{id}', 'delete'],
      ['/servers/{id}', 'patch'],
      ['/servers/{id}/connection-test', 'post'],
    ] as const) {
      const responses = Object.keys(document.paths[`/api/v1${path}`]?.[method]?.responses ?? {});
      expect({ where: `${method.toUpperCase()} ${path}`, conflict: responses.includes('409') }).toEqual({
        where: `${method.toUpperCase()} ${path}`,
        conflict: true,
      });
    }
  });

  it('every list documents its paging parameters (limit, offset)', async () => {
    const document = (await generateOpenApiDocument()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            parameters?: Array<{ name: string; in: string; schema?: Record<string, unknown> }>;
            responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
          }
        >
      >;
    };
    const lists: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      const operation = operations['get'];
      const answer = operation?.responses['200']?.content?.['application/json']?.schema?.$ref ?? '';
      if (!answer.endsWith('Page')) continue;
      lists.push(path);
      const paging = (operation.parameters ?? [])
        .filter((parameter) => parameter.in === 'query' && ['limit', 'offset'].includes(parameter.name))
        .map(({ name, schema }) => ({ name, schema }));
      expect({ path, paging }).toEqual({
        path,
        paging: [
          { name: 'limit', schema: expect.objectContaining({ type: 'integer', minimum: 1, maximum: 200 }) },
          { name: 'offset', schema: expect.objectContaining({ type: 'integer', minimum: 0 }) },
        ],
      });
    }
    expect(lists).toEqual(
      expect.arrayContaining(['/api/v1/jobs', '/api/v1/servers', '/api/v1/relationships']),
    );
  });

  it('the SSH vendors document how they are reached (host, port, user, credentials, pinned host key)', async () => {
    const document = (await generateOpenApiDocument()) as {
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    for (const schema of ['IscConnectionDto', 'WindowsConnectionDto']) {
      const properties = Object.keys(document.components.schemas[schema]?.properties ?? {});
      expect({ schema, properties }).toEqual({
        schema,
        properties: expect.arrayContaining([
          'host',
          'port',
          'username',
          'password',
          'privateKey',
          'privateKeyPassphrase',
          'hostKeyFingerprint',
        ]),
      });
    }
  });

  it('migrations build exactly the schema the entities describe, and seed the built-in roles', async () => {
    const database = await createEmptyDatabase();
    const dataSource = await new DataSource(dataSourceOptions(database.url)).initialize();
    try {
      const applied = await migrateUnderLock(dataSource);
      expect(applied.length).toBeGreaterThan(0);
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((query) => query.query)).toEqual([]);
      const roles: Array<{ id: string; name: string; permissions: string[]; built_in: boolean }> =
        await dataSource.query('SELECT id, name, permissions, built_in FROM roles ORDER BY id');
      expect(roles).toEqual(
        BUILT_IN_ROLES.map((role) => ({
          id: role.id,
          name: role.name,
          permissions: [...role.permissions],
          built_in: true,
        })),
      );
      // Job diffs are compressed with lz4 (this Postgres has it; see migrations/*-JobDiffsLz4.ts).
      const [{ compression }]: Array<{ compression: string }> = await dataSource.query(
        `SELECT attcompression AS compression FROM pg_attribute WHERE attrelid = 'job_diffs'::regclass AND attname = 'diff'`,
      );
      expect(compression).toBe('l');
      // Running again applies nothing.
      expect(await migrateUnderLock(dataSource)).toEqual([]);
    } finally {
      await dataSource.destroy();
      await database.drop();
    }
  });

  it('names made unique whatever their case: rows that differ in case only stop the migration, named, and nothing changes', async () => {
    const database = await createEmptyDatabase();
    const at = MIGRATIONS.findIndex((migration) => migration.name === 'CaseInsensitiveNames1795720000000');
    expect(at).toBeGreaterThan(0);
    const before = await new DataSource({
      ...dataSourceOptions(database.url),
      migrations: MIGRATIONS.slice(0, at),
    }).initialize();
    const dataSource = await new DataSource(dataSourceOptions(database.url)).initialize();
    try {
      await migrateUnderLock(before);
      const [alice, ALICE] = await before.query<Array<{ id: string }>>(
        `INSERT INTO principals (name, kind, version) VALUES ('alice', 'user', 1), ('Alice', 'user', 1) RETURNING id`,
      );
      await before.query(
        `INSERT INTO roles (name, permissions, version) VALUES ('administrators', '{add-scope}', 1)`,
      );
      const failure = await migrateUnderLock(dataSource).catch((error: unknown) => error as Error);
      expect(failure).toBeInstanceOf(Error);
      const message = (failure as Error).message;
      expect(message).toContain('Names are now unique whatever their case, and these differ in case only:');
      expect(message).toContain(
        `principals: "Alice" (/api/v1/principals/${ALICE.id}), "alice" (/api/v1/principals/${alice.id})`,
      );
      expect(message).toMatch(/roles: "Administrators" \(.+\), "administrators" \(.+\)/);
      expect(message).toContain('Nothing was changed.');
      const names = await dataSource.query<Array<{ name: string }>>(
        `SELECT name FROM principals ORDER BY name COLLATE "C"`,
      );
      expect(names.map((row) => row.name)).toEqual(['Alice', 'alice']);
      const applied = await dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM typeorm_migrations WHERE name = 'CaseInsensitiveNames1795720000000'`,
      );
      expect(applied[0].n).toBe(0);

      // Renamed, the migration goes through, and the index refuses a clash from then on.
      await dataSource.query(`UPDATE principals SET name = 'alice-2' WHERE id = $1`, [alice.id]);
      await dataSource.query(`DELETE FROM roles WHERE name = 'administrators'`);
      expect((await migrateUnderLock(dataSource)).map((migration) => migration.name)).toEqual([
        'CaseInsensitiveNames1795720000000',
      ]);
      await expect(
        dataSource.query(`INSERT INTO principals (name, kind, version) VALUES ('ALICE', 'user', 1)`),
      ).rejects.toThrow(/ux_principals_name/);
    } finally {
      await before.destroy();
      await dataSource.destroy();
      await database.drop();
    }
  });
});
