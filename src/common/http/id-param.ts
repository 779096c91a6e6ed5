import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { ProblemException } from '../problem/problem.exception.js';

/**
 * Documents a path parameter from its parameter decorator, so that every route using the helper describes it (the
 * Swagger plugin gives the name and type only).
 */
export function describePathParameter(name: string, description: string): ParameterDecorator {
  return (target, key) => {
    if (key === undefined) return;
    const method = Object.getOwnPropertyDescriptor(target, key);
    if (method) ApiParam({ name, description })(target, key, method);
  };
}

/** A UUID path parameter; anything else is a 400 that names the parameter. */
export const IdParam =
  (name = 'id'): ParameterDecorator =>
  (target, key, index) => {
    Param(
      name,
      new ParseUUIDPipe({
        exceptionFactory: () =>
          ProblemException.validation([{ field: `path.${name}`, message: `${name} must be a UUID` }]),
      }),
    )(target, key, index);
    describePathParameter(
      name,
      'The UUID `id` of the resource named just before it in the path, e.g. the server in `/servers/{id}/scopes`.',
    )(target, key, index);
  };
