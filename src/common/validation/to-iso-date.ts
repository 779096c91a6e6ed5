import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';

/**
 * ISO 8601 as JSON and query strings carry it: a date, optionally a time (seconds and fractions optional) and a zone;
 * years of four digits, or six with a sign (JavaScript's extended years).
 */
const ISO_8601 =
  /^(?:[+-]\d{6}|\d{4})-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Turns an ISO 8601 string into a Date; anything else (a number of milliseconds or seconds, "March 7", a date in
 * JavaScript's own notation) is left as it is for `@IsDate` to refuse. `@Type(() => Date)` would accept all of
 * those, and guess: `1795000000` is a moment in 1970 read as milliseconds.
 */
export function ToIsoDate(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && ISO_8601.test(value) ? new Date(value) : value,
  );
}

/**
 * `@MinDate` that judges dates only: a value that is not a date is `@IsDate`'s to report, so the caller reads one
 * message about it, not two.
 */
export function MinDateOf(min: () => Date, message: string): PropertyDecorator {
  return ValidateBy({
    name: 'minDateOf',
    validator: {
      validate: (value: unknown) =>
        !(value instanceof Date) || Number.isNaN(value.getTime()) || value.getTime() >= min().getTime(),
      defaultMessage: () => message,
    },
  });
}
