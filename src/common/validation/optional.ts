import { applyDecorators } from '@nestjs/common';
import { IsDefined, ValidateIf } from 'class-validator';

/**
 * A field a change may leave out but not set to `null` (it has nothing to reset to): `null` is a validation error
 * that says so, instead of reaching a NOT NULL column.
 */
export function IsOptionalNotNull(): PropertyDecorator {
  return applyDecorators(
    ValidateIf((_: object, value: unknown) => value !== undefined),
    IsDefined({ message: '$property cannot be null; leave it out to keep the current value' }),
  );
}
