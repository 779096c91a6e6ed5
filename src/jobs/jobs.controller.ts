import { Controller, Get, Headers, HttpCode, HttpStatus, Post, Query, Res } from '@nestjs/common';
import { ApiNotModifiedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, type Actor } from '../auth/actor.js';
import { CurrentPrincipal, type AuthenticatedPrincipal } from '../auth/authenticated-principal.js';
import { Conflicts, NotFound, Operation } from '../common/http/api-docs.decorators.js';
import { etagOf, noneMatchHits } from '../common/http/etag.js';
import { IdParam } from '../common/http/id-param.js';
import { PageOf, type Page } from '../common/http/pagination.js';
import { Authorize } from '../permissions/authorize.decorator.js';
import { JobDto, JobQuery, JobReadQuery } from './job.dto.js';
import { JobsService } from './jobs.service.js';

const JobPage = PageOf(JobDto);

@ApiTags('jobs')
@Controller('jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get()
  @Authorize('authenticated')
  @Operation(
    'List jobs, newest first',
    "Your own jobs; with `administer-dhcp-servers` on the whole service, everyone's. Filter by state, type, " +
      'requester and creation time.',
  )
  @ApiOkResponse({ type: JobPage })
  async list(
    @Query() query: JobQuery,
    @CurrentPrincipal() caller: AuthenticatedPrincipal,
  ): Promise<Page<JobDto>> {
    const page = await this.jobs.list(query, caller.id);
    return { ...page, items: page.items.map((item) => JobDto.from(item)) };
  }

  @Get(':id')
  @Authorize('authenticated')
  @Operation(
    'Read a job: state, progress, per-item outcome',
    'Poll this until `state` is final; send the last `ETag` as `If-None-Match` and an unchanged job answers 304 ' +
      'without a body. `?include=details` adds the large per-item detail (replication: the diff of each scope), ' +
      'which polling does not need.',
  )
  @ApiOkResponse({ type: JobDto })
  @ApiNotModifiedResponse({
    description: 'The job has not changed since the `ETag` sent in `If-None-Match`.',
  })
  @NotFound('job')
  async get(
    @IdParam() id: string,
    @Query() query: JobReadQuery,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @CurrentPrincipal() caller: AuthenticatedPrincipal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JobDto | undefined> {
    const withDetails = query.include === 'details';
    // The representation with details is another one: its tag differs.
    const tagOf = (version: number): string =>
      withDetails ? etagOf(version).replace(/"$/, '-d"') : etagOf(version);
    if (
      ifNoneMatch !== undefined &&
      noneMatchHits(ifNoneMatch, tagOf(await this.jobs.versionOf(id, caller.id)))
    ) {
      response.status(HttpStatus.NOT_MODIFIED);
      return undefined;
    }
    const job = await this.jobs.get(id, caller.id, withDetails);
    response.setHeader('ETag', tagOf(job.version));
    return JobDto.from(job);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Authorize('authenticated')
  @Operation(
    'Cancel a job',
    'A queued job is cancelled at once; a running one stops before its next write (never inside one).',
  )
  @ApiOkResponse({ type: JobDto })
  @NotFound('job')
  @Conflicts('The job has finished.')
  async cancel(@IdParam() id: string, @CurrentActor() actor: Actor): Promise<JobDto> {
    return JobDto.from(await this.jobs.cancel(id, actor));
  }
}
