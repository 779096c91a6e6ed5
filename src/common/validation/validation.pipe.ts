import { ValidationPipe } from '@nestjs/common';
import { ProblemException } from '../problem/problem.exception.js';
import { flattenValidationErrors } from './validation-errors.js';

/** Strict validation for every body, query and path parameter: unknown fields are rejected, not dropped. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => ProblemException.validation(flattenValidationErrors(errors)),
  });
}
