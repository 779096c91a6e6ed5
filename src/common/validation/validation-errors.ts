import type { ValidationError } from 'class-validator';
import type { FieldError } from '../problem/problem-details.js';

/** Flattens class-validator's tree into dotted field paths, one entry per failed constraint. */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: unknownFieldMessage(message, field),
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

// class-validator says "property x should not exist"; tell the caller what to do instead.
function unknownFieldMessage(message: string, field: string): string {
  return /^property .+ should not exist$/.test(message) ? `unknown field "${field}"; remove it` : message;
}
