import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ProblemException } from '../problem/problem.exception.js';

/** A UUID path parameter; anything else is a 400 that names the parameter. */
export const IdParam = (name = 'id'): ParameterDecorator =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () =>
        ProblemException.validation([{ field: `path.${name}`, message: `${name} must be a UUID` }]),
    }),
  );
