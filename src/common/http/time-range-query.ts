import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsOptional } from 'class-validator';
import { PageQuery } from './pagination.js';

/** `?since=&until=` (ISO 8601) on lists of things that happened at a time, with the paging of every list. */
export class TimeRangeQuery extends PageQuery {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Only items at or after this time (ISO 8601).',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'since must be an ISO 8601 date-time' })
  since?: Date;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Only items before this time (ISO 8601).',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'until must be an ISO 8601 date-time' })
  until?: Date;
}
