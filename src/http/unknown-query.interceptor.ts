import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { ProblemException } from '../common/problem/problem.exception.js';
import { API_PREFIX } from './configure-app.js';

/** Where the API's operations are (the health and metrics controllers are outside it). */
const API_PATH = `/${API_PREFIX}/`;

/**
 * An API operation that takes no query parameters refuses any, as operations with a query DTO refuse unknown ones
 * (the validation pipe's `forbidNonWhitelisted`): `GET /servers/{id}?vendr=isc` is a 400 naming `vendr`, not the
 * server read as if the caller had asked nothing. Runs after the guards, as the pipes do, so 401 and 403 come first.
 * (Express matches paths without regard to case, and so does the prefix test here.)
 */
@Injectable()
export class UnknownQueryInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<Request>();
      const names = Object.keys(request.query ?? {});
      if (names.length > 0 && request.path.toLowerCase().startsWith(API_PATH) && !takesQuery(context)) {
        throw ProblemException.validation(
          names.map((name) => ({
            field: name,
            message: `unknown query parameter "${name}": this operation takes none; remove it`,
          })),
        );
      }
    }
    return next.handle();
  }
}

/** Whether the handler reads the query string (`@Query()`, whole or by name). */
function takesQuery(context: ExecutionContext): boolean {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), context.getHandler().name) ??
    {}) as Record<string, unknown>;
  return Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.QUERY));
}
