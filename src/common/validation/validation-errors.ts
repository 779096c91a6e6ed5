import type { ValidationError } from 'class-validator';
import type { FieldError } from '../problem/problem-details.js';

/**
 * Flattens class-validator's tree into field paths, one entry per failed constraint: properties dotted, array items
 * indexed (`servers[1].settings.address`), as the service's own rules name fields.
 */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    // An item of a validated array comes as its index (the errors carry no values: the pipe leaves them out).
    const field = !prefix
      ? error.property
      : /^\d+$/.test(error.property)
        ? `${prefix}[${error.property}]`
        : `${prefix}.${error.property}`;
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
