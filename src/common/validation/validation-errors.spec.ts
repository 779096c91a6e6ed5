import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import { IsInt, IsOptional, Max, ValidateNested, validateSync } from 'class-validator';
import { flattenValidationErrors } from './validation-errors.js';

class Side {
  @IsInt()
  @Max(10)
  port!: number;
}

class Pair {
  @ValidateNested({ each: true })
  @Type(() => Side)
  sides!: Side[];

  @IsOptional()
  @ValidateNested()
  @Type(() => Side)
  main?: Side;
}

describe('flattenValidationErrors', () => {
  it('dots properties and indexes array items, one entry per failed constraint (errors without values, as the pipe makes them)', () => {
    const body = plainToInstance(Pair, { sides: [{ port: 1 }, { port: 12 }], main: { port: 11 } });
    expect(
      flattenValidationErrors(validateSync(body, { validationError: { target: false, value: false } })),
    ).toEqual([
      { field: 'sides[1].port', message: 'port must not be greater than 10' },
      { field: 'main.port', message: 'port must not be greater than 10' },
    ]);
  });

  it('says only what is wrong with a value of the wrong type, not its range', () => {
    // '70' is over the maximum as a number and not one at all; 12.5 is both not an integer and over it.
    const body = plainToInstance(Pair, { sides: [{ port: '70' }, { port: 12.5 }], main: { port: 'x' } });
    expect(
      flattenValidationErrors(validateSync(body, { validationError: { target: false, value: false } })),
    ).toEqual([
      { field: 'sides[0].port', message: 'port must be an integer number' },
      { field: 'sides[1].port', message: 'port must be an integer number' },
      { field: 'main.port', message: 'port must be an integer number' },
    ]);
  });
});
