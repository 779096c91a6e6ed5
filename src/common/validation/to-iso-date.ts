import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';

/**
 * ISO 8601 as JSON and query strings carry it: a date alone (read as UTC), or a date and a time with its zone (`Z` or
 * an offset), seconds and fractions optional; years of four digits, or six with a sign (JavaScript's extended years).
 * A time without a zone is refused: JavaScript would read it in the server's own time zone.
 */
const ISO_8601 =
  /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?))?$/;

/** What the messages of these fields say, so that a caller knows the form expected. */
export const ISO_DATE_HINT = 'an ISO 8601 date-time with its zone, e.g. 2027-03-07T10:00:00Z';

/**
 * Turns an ISO 8601 string naming a day that exists into a Date; anything else (a number of milliseconds or seconds,
 * "March 7", February 30th, a time without a zone) is left as it is for `@IsDate` to refuse. `@Type(() => Date)` would
 * accept all of those, and guess: `1795000000` is a moment in 1970 read as milliseconds, 2027-02-29 is March 1st.
 */
export function ToIsoDate(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    const text = value.replace(DECODED_PLUS, '$1+$2');
    const parts = ISO_8601.exec(text);
    if (!parts || !dayExists(parts[1], Number(parts[2]), Number(parts[3]))) return value;
    return new Date(text);
  });
}

/**
 * A time followed by a space and an offset: the `+` of `?since=2027-03-07T10:00:00+05:30` typed unencoded, which
 * URL decoding turns into a space. Nothing else can put a space there, so it is read as the `+` it was.
 */
const DECODED_PLUS = /^([^ ]+[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?) (\d{2}(?::?\d{2})?)$/;

function dayExists(yearText: string, month: number, day: number): boolean {
  // ISO 8601 has no year -0 (ECMAScript refuses -000000 as well).
  if (yearText === '-000000') return false;
  const year = Number(yearText);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days;
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
