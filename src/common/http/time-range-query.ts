import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsDate, IsOptional, ValidateBy } from 'class-validator';
import { ISO_DATE_HINT, MinDateOf, ToIsoDate } from '../validation/to-iso-date.js';
import { PageQuery } from './pagination.js';

/** PostgreSQL's timestamps start in 4713 BC; JavaScript's reach 271821 BC. Nothing here happened before year 1. */
const EARLIEST = new Date('0001-01-01T00:00:00Z');

/** `?since=&until=` (ISO 8601) on lists of things that happened at a time, with the paging of every list. */
export class TimeRangeQuery extends PageQuery {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Only items at or after this time (ISO 8601).',
  })
  @IsOptional()
  @ToIsoDate()
  @IsDate({ message: `since must be ${ISO_DATE_HINT}` })
  @MinDateOf(() => EARLIEST, 'since must be in year 1 or later')
  since?: Date;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Only items before this time (ISO 8601).',
  })
  @IsOptional()
  @ToIsoDate()
  @IsDate({ message: `until must be ${ISO_DATE_HINT}` })
  @MinDateOf(() => EARLIEST, 'until must be in year 1 or later')
  @ValidateBy(
    {
      name: 'isAfterSince',
      validator: {
        // A window that ends before it starts is a caller's mistake, not an empty list.
        validate: (until: unknown, args) => {
          const since = (args?.object as TimeRangeQuery | undefined)?.since;
          return !(since instanceof Date && until instanceof Date) || until.getTime() > since.getTime();
        },
      },
    },
    { message: 'until must be after since' },
  )
  until?: Date;
}
