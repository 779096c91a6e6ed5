import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { And, DataSource, type FindOptionsWhere, LessThan, MoreThanOrEqual } from 'typeorm';
import { Operation } from '../common/http/api-docs.decorators.js';
import { PageOf, pageWindow, toPage, type Page } from '../common/http/pagination.js';
import { Authorize, GLOBAL } from '../permissions/authorize.decorator.js';
import { Permission } from '../permissions/permission.js';
import { AuditEventEntity } from './audit-event.entity.js';
import { AuditEventDto, AuditEventQuery } from './audit-event.dto.js';

const AuditEventPage = PageOf(AuditEventDto);

@ApiTags('audit-events')
@Controller('audit-events')
export class AuditEventsController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get()
  @Authorize({ permission: Permission.administerAccess, resource: GLOBAL })
  @Operation(
    'List audit events, newest first',
    'Every change made through this service: who, what, when, on what.',
  )
  @ApiOkResponse({ type: AuditEventPage })
  async list(@Query() query: AuditEventQuery): Promise<Page<AuditEventDto>> {
    const where: FindOptionsWhere<AuditEventEntity> = {};
    if (query.targetType) where.targetType = query.targetType;
    if (query.targetId) where.targetId = query.targetId;
    if (query.principalId) where.principalId = query.principalId;
    if (query.action) where.action = query.action;
    // Not Between(since, until - 1 ms): PostgreSQL keeps microseconds, so that dropped the last millisecond's events.
    if (query.since && query.until) where.at = And(MoreThanOrEqual(query.since), LessThan(query.until));
    else if (query.since) where.at = MoreThanOrEqual(query.since);
    else if (query.until) where.at = LessThan(query.until);
    const [items, total] = await this.dataSource
      .getRepository(AuditEventEntity)
      .findAndCount({ where, order: { at: 'DESC', id: 'ASC' }, ...pageWindow(query) });
    return toPage(
      items.map((item) => AuditEventDto.from(item)),
      total,
      query,
    );
  }
}
