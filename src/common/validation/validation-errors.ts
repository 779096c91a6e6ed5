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
    const own = Object.values(typeFirst(error.constraints ?? {})).map((message) => ({
      field,
      message: unknownFieldMessage(message, field),
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/** class-validator's checks of a value's type, and those of its size, which say nothing of a value of another type. */
const TYPE_CHECKS = new Set(['isInt', 'isNumber', 'isString', 'isBoolean', 'isArray', 'isObject', 'isDate']);
const SIZE_CHECKS = new Set(['min', 'max', 'minLength', 'maxLength', 'arrayMinSize', 'arrayMaxSize']);
/** What is said of a list that is not one: that, and that it cannot be null. */
const NOT_ITEMS = new Set(['isArray', 'isDefined']);

/**
 * A field's failed constraints, without its size checks when its type check failed: `"647"` for a port is "must be
 * an integer", not also "must not be greater than 65535" and "must not be less than 1" (both false of the text a
 * caller sent). The field's other messages (such as "cannot be null") stay.
 */
function typeFirst(constraints: Record<string, string>): Record<string, string> {
  // Not an array: every other check of a list (its size, its items, their uniqueness) is about items it has not.
  if ('isArray' in constraints) {
    return Object.fromEntries(Object.entries(constraints).filter(([name]) => NOT_ITEMS.has(name)));
  }
  if (!Object.keys(constraints).some((name) => TYPE_CHECKS.has(name))) return constraints;
  return Object.fromEntries(Object.entries(constraints).filter(([name]) => !SIZE_CHECKS.has(name)));
}

// class-validator says "property x should not exist"; tell the caller what to do instead.
function unknownFieldMessage(message: string, field: string): string {
  return /^property .+ should not exist$/.test(message) ? `unknown field "${field}"; remove it` : message;
}
