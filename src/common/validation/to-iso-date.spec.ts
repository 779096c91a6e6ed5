import { plainToInstance } from 'class-transformer';
import { ToIsoDate } from './to-iso-date.js';

class Probe {
  @ToIsoDate()
  at?: unknown;
}

const read = (at: unknown): unknown => plainToInstance(Probe, { at }).at;

describe('ToIsoDate', () => {
  it.each([
    ['2027-03-07T10:20:30Z', '2027-03-07T10:20:30.000Z'],
    ['2027-03-07T10:20:30.123456+02:00', '2027-03-07T08:20:30.123Z'],
    ['2027-03-07t10:20z', '2027-03-07T10:20:00.000Z'],
    ['2027-03-07', '2027-03-07T00:00:00.000Z'],
    ['2028-02-29', '2028-02-29T00:00:00.000Z'],
    ['2000-02-29T12:00:00Z', '2000-02-29T12:00:00.000Z'],
    ['-010000-01-01T00:00:00Z', '-010000-01-01T00:00:00.000Z'],
    // An unencoded `+` in a query string arrives as a space.
    ['2027-03-07T10:20:30 05:30', '2027-03-07T04:50:30.000Z'],
    ['2027-03-07T10:20 0530', '2027-03-07T04:50:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect((read(text) as Date).toISOString()).toBe(iso);
  });

  it.each([
    1795000000,
    '1795000000',
    'March 7, 2027',
    'Sun Mar 07 2027',
    '',
    true,
    '2027-02-29',
    '1900-02-29T00:00:00Z',
    '2028-04-31T10:00:00Z',
    '2028-13-01',
    '2028-00-10',
    '-000000-01-01',
    '2028-01-01T00:00',
    '2028-01-01 00:00:00',
    '2028-01-01 00:00 05:30',
    '2028-01-01T00:00:00 5:30',
    '2028-01-01T00:00:00  05:30',
  ])('leaves %p as it is (not a date, for @IsDate to refuse)', (value) => {
    expect(read(value)).toBe(value);
  });
});
