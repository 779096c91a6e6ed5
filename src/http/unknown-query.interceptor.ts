import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import type { FieldError } from '../common/problem/problem-details.js';
import { ProblemException } from '../common/problem/problem.exception.js';
import { API_PREFIX } from './configure-app.js';

/** Where the API's operations are (the health and metrics controllers are outside it). */
const API_PATH = `/${API_PREFIX}/`;
/** The methods that change something: what `If-Match` guards. */
const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * An API operation that takes no query parameters refuses any, as operations with a query DTO refuse unknown ones
 * (the validation pipe's `forbidNonWhitelisted`): `GET /servers/{id}?vendr=isc` is a 400 naming `vendr`, not the
 * server read as if the caller had asked nothing. So does one that takes no body for a body with fields:
 * `DELETE /principals/{id}` with `{"force": true}`, or a connection test with `{"timeoutMs": 100}`, would otherwise
 * be done as if they were not there (an empty object is no body: some clients always send one); and a change that
 * does not evaluate `If-Match` refuses that header, as it would otherwise go through unchecked. Runs after the guards,
 * as the pipes do, so 401 and 403 come first. (Express matches paths without regard to case, and so does the prefix
 * test here.)
 */
@Injectable()
export class UnknownQueryInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<Request>();
      if (request.path.toLowerCase().startsWith(API_PATH)) {
        const errors: FieldError[] = [
          ...unread(
            Object.keys(request.query ?? {}),
            takes(context, RouteParamtypes.QUERY),
            (name) => `unknown query parameter "${name}": this operation takes none; remove it`,
          ),
          ...unread(
            bodyFields(request.body),
            takes(context, RouteParamtypes.BODY),
            (name) => `unknown field "${name}": this operation takes no body; remove it`,
          ),
        ];
        if (
          request.headers['if-match'] !== undefined &&
          CHANGES.has(request.method) &&
          !readsHeader(context, 'if-match')
        ) {
          errors.push({
            field: 'header.If-Match',
            message: 'this operation does not evaluate If-Match (its change would not be checked); remove it',
          });
        }
        if (errors.length > 0) throw ProblemException.validation(errors);
      }
    }
    return next.handle();
  }
}

function unread(names: string[], taken: boolean, message: (name: string) => string): FieldError[] {
  return taken ? [] : names.map((name) => ({ field: name, message: message(name) }));
}

/** The fields of a JSON object body (the body parser lets objects alone through); none without a body. */
function bodyFields(body: unknown): string[] {
  return body !== null && typeof body === 'object' ? Object.keys(body) : [];
}

/** Whether the handler reads the query string or the body (`@Query()`, `@Body()`, whole or by name). */
function takes(context: ExecutionContext, type: RouteParamtypes): boolean {
  return Object.keys(routeArgs(context)).some((key) => key.split(':')[0] === String(type));
}

/** Whether the handler reads this header (`@Headers('if-match')`). */
function readsHeader(context: ExecutionContext, name: string): boolean {
  return Object.entries(routeArgs(context)).some(
    ([key, arg]) =>
      key.split(':')[0] === String(RouteParamtypes.HEADERS) &&
      String((arg as { data?: unknown }).data).toLowerCase() === name,
  );
}

function routeArgs(context: ExecutionContext): Record<string, unknown> {
  return (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), context.getHandler().name) ??
    {}) as Record<string, unknown>;
}
