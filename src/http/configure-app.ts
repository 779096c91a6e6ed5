import type { INestApplication } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { SwaggerModule } from '@nestjs/swagger';
import { assignRequestId } from '../observability/logger.options.js';
import { ProblemFilter } from '../common/problem/problem.filter.js';
import { buildOpenApiDocument } from '../openapi/openapi-document.js';
import { bodyParsingMiddleware } from './body-parsing.js';
import { answerClientErrors } from './client-errors.js';
import { RouteTable } from './route-table.js';

export const API_PREFIX = 'api/v1';

/**
 * Everything about the HTTP surface that is not a module: prefix, body parsing, the problem filter, Swagger UI.
 * Shared by the service, the tests and the OpenAPI generator so all three see the same API.
 */
export function configureApp(app: INestApplication): { routes: RouteTable } {
  const routes = new RouteTable();
  const express = app.getHttpAdapter().getInstance() as { disable(setting: string): void };
  express.disable('x-powered-by');
  // ETags are ours (the row version); Express's body-hash ETags would contradict them.
  express.disable('etag');
  app.setGlobalPrefix(API_PREFIX, { exclude: ['health', 'metrics'] });
  app.use((request: IncomingMessage, response: ServerResponse, next: () => void) => {
    assignRequestId(request, response);
    next();
  });
  for (const middleware of bodyParsingMiddleware()) {
    app.use(middleware);
  }
  app.useGlobalFilters(new ProblemFilter(routes));
  answerClientErrors(app.getHttpServer() as Server);
  return { routes };
}

/** Mounts Swagger UI at /docs and the document at /docs/openapi.json; call after configureApp. */
export function mountDocs(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs/openapi.json',
    yamlDocumentUrl: 'docs/openapi.yaml',
    customSiteTitle: 'dhcp-failover-manager API',
  });
}
