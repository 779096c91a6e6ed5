import { METHODS } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ProblemException } from '../common/problem/problem.exception.js';
import { sendProblem } from '../common/problem/problem-response.js';
import { ProblemType } from '../common/problem/problem-types.js';

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
  match(path: string): boolean;
}

interface ExpressInstance {
  router?: { stack: RouterLayer[] };
  use(handler: (request: Request, response: Response, next: NextFunction) => void): void;
}

/**
 * Which methods the app serves at a path, read from Express's router after routes are registered, so an
 * unmatched method answers 405 with `Allow` rather than 404.
 */
export class RouteTable {
  private layers: RouterLayer[] = [];

  capture(app: INestApplication): void {
    const instance = app.getHttpAdapter().getInstance() as ExpressInstance;
    // Wildcard routes (the not-found catch-all) answer every method and say nothing about what is served; nor do
    // the routes Nest mounts a middleware on (`forRoutes`, e.g. the HTTP metrics): one per path with every method,
    // `/health` and `/api/v1` included, which made `DELETE /health` a 405 allowing DELETE.
    this.layers = (instance.router?.stack ?? []).filter(
      (layer) => layer.route && !layer.route.path.includes('*') && !servesEveryMethod(layer.route.methods),
    );
    // Last in the stack: a path no route or Nest handler took (outside `/api/v1`: `/`, `/api/v2/...`) would get
    // Express's HTML page; every answer here is problem+json.
    instance.use((request, response) => {
      const allowed = this.allowedMethods(request.path);
      if (allowed.length > 0) response.setHeader('Allow', allowed.join(', '));
      sendProblem(
        response,
        request,
        allowed.length > 0
          ? ProblemException.methodNotAllowed(request.method, allowed)
          : new ProblemException(
              404,
              ProblemType.notFound,
              'Not found',
              `Cannot ${request.method} ${request.path}`,
            ),
      );
    });
  }

  allowedMethods(path: string): string[] {
    const methods = new Set<string>();
    for (const layer of this.layers) {
      if (layer.match(path)) {
        for (const [method, enabled] of Object.entries(layer.route?.methods ?? {})) {
          if (enabled && method !== '_all') methods.add(method.toUpperCase());
        }
      }
    }
    return [...methods].sort();
  }
}

function servesEveryMethod(methods: Record<string, boolean>): boolean {
  return methods['_all'] === true || METHODS.every((method) => methods[method.toLowerCase()] === true);
}
