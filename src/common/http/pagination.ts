import { type Type as ClassType } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_PAGE_SIZE = 200;

/** `?limit=&offset=` on every list. */
export class PageQuery {
  /** How many items to return (1-200). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number = 50;

  /** How many items to skip. */
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
    @ApiProperty({ type: [item] })
    items!: T[];
    /** How many items match the filters in all. */
    @ApiProperty()
    total!: number;
    @ApiProperty()
    limit!: number;
    @ApiProperty()
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
