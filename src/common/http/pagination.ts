import { type Type as ClassType } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_PAGE_SIZE = 200;

/**
 * `?limit=&offset=` on every list. Documented by hand: the Swagger plugin reads only `*.dto.ts` files, and every
 * list's query class extends this one.
 */
export class PageQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: 50,
    description: `How many items to return (1-${MAX_PAGE_SIZE}).`,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number = 50;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 1_000_000,
    default: 0,
    description: 'How many items to skip.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  offset?: number = 0;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** A named page class for the OpenAPI document (generics do not survive into the schema). */
export function PageOf<T>(item: ClassType<T>): ClassType<Page<T>> {
  class PageClass implements Page<T> {
    @ApiProperty({ type: [item], description: 'This page of items, at most `limit` of them.' })
    items!: T[];
    @ApiProperty({ type: 'integer', description: 'How many items match the filters in all, on every page.' })
    total!: number;
    @ApiProperty({
      type: 'integer',
      example: 50,
      description: 'The page size applied (the `limit` sent, or 50).',
    })
    limit!: number;
    @ApiProperty({
      type: 'integer',
      example: 0,
      description: 'How many items were skipped (the `offset` sent, or 0).',
    })
    offset!: number;
  }
  Object.defineProperty(PageClass, 'name', { value: `${item.name}Page` });
  return PageClass;
}

export function pageWindow(query: PageQuery): { take: number; skip: number } {
  return { take: query.limit ?? 50, skip: query.offset ?? 0 };
}

export function toPage<T>(items: T[], total: number, query: PageQuery): Page<T> {
  const { take, skip } = pageWindow(query);
  return { items, total, limit: take, offset: skip };
}
