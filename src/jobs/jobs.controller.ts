import { Controller, Get, Headers, HttpCode, HttpStatus, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiNotModifiedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, type Actor } from '../auth/actor.js';
import { CurrentPrincipal, type AuthenticatedPrincipal } from '../auth/authenticated-principal.js';
import { Conflicts, NotFound, Operation } from '../common/http/api-docs.decorators.js';
import { etagOf, noneMatchHits } from '../common/http/etag.js';
import { IdParam } from '../common/http/id-param.js';
import { PageOf, type Page } from '../common/http/pagination.js';
import { preferredWaitSeconds } from '../common/http/prefer-wait.js';
import { Authorize } from '../permissions/authorize.decorator.js';
import { JobChangeWatcher, MAX_HELD_REQUESTS } from './job-change-watcher.js';
import { JobDto, JobQuery, JobReadQuery } from './job.dto.js';
import { JobsService } from './jobs.service.js';

const JobPage = PageOf(JobDto);
/** The longest `Prefer: wait` honoured: under the usual idle timeouts of proxies and load balancers (60 s). */
const MAX_WAIT_SECONDS = 50;
const JOB_READ_HEADERS = {
  ETag: {
    description: 'The version of this representation, for `If-None-Match` on the next read.',
    schema: { type: 'string' },
  },
  'Preference-Applied': {
    description: '`wait=<seconds>` when the answer was held (RFC 7240): the wait that applied.',
    schema: { type: 'string' },
  },
};

@ApiTags('jobs')
@Controller('jobs')
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly watcher: JobChangeWatcher,
  ) {}

  @Get()
  @Authorize('authenticated')
  @Operation(
    'List jobs, newest first',
    "Your own jobs; with `administer-dhcp-servers` on the whole service, everyone's. Filter by state, type, " +
      'requester and creation time. A finished job is removed (with its details) once the `JOB_RETENTION_DAYS` ' +
      'the service runs with (default 30) have passed since it finished; the audit trail keeps its events.',
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
      'without a body. Add `Prefer: wait=<seconds>` (RFC 7240, at most ' +
      `${MAX_WAIT_SECONDS}) and an unchanged, unfinished job holds the answer until it changes (200 with the new ` +
      'state) or the wait ends (304), so a pipeline learns of each change at once without polling in a loop ' +
      `(not with \`If-None-Match: *\`, which every version matches; past ${MAX_HELD_REQUESTS} held requests in one ` +
      'process, polls are answered at once). ' +
      '`?include=details` adds the large per-item detail (replication: the diff of each scope), which polling does ' +
      'not need. A finished job is kept for `JOB_RETENTION_DAYS` (default 30) after it finished, then answers 404.',
  )
  @ApiHeader({
    name: 'If-None-Match',
    required: false,
    description: 'The `ETag` of your last read: an unchanged job answers 304 without a body.',
  })
  @ApiHeader({
    name: 'Prefer',
    required: false,
    description:
      `\`wait=<seconds>\` (at most ${MAX_WAIT_SECONDS}; more is shortened to it), with \`If-None-Match\`: hold the ` +
      'answer while the job is unchanged and not finished. A preference that cannot be read is ignored.',
  })
  @ApiOkResponse({ type: JobDto, headers: JOB_READ_HEADERS })
  @ApiNotModifiedResponse({
    description:
      'The job has not changed since the `ETag` sent in `If-None-Match` (after the wait, if one applied).',
    headers: JOB_READ_HEADERS,
  })
  @NotFound('job')
  async get(
    @IdParam() id: string,
    @Query() query: JobReadQuery,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Headers('prefer') prefer: string | undefined,
    @CurrentPrincipal() caller: AuthenticatedPrincipal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JobDto | undefined> {
    const withDetails = query.include === 'details';
    // The representation with details is another one: its tag differs.
    const tagOf = (version: number): string =>
      withDetails ? etagOf(version).replace(/"$/, '-d"') : etagOf(version);
    if (ifNoneMatch !== undefined) {
      let current = await this.jobs.versionOf(id, caller.id);
      const wait = Math.min(preferredWaitSeconds(prefer) ?? 0, MAX_WAIT_SECONDS);
      // `*` matches every version: nothing the job becomes could end the wait.
      const waitable = wait > 0 && !current.finished && ifNoneMatch.trim() !== '*' && this.watcher.canHold;
      if (waitable && noneMatchHits(ifNoneMatch, tagOf(current.version))) {
        response.setHeader('Preference-Applied', `wait=${wait}`);
        await this.waitForChange(id, current.version, wait, response);
        current = await this.jobs.versionOf(id, caller.id);
      }
      if (noneMatchHits(ifNoneMatch, tagOf(current.version))) {
        // RFC 9110 15.4.5: a 304 carries the ETag the 200 would have (caches and clients refresh theirs from it).
        response.setHeader('ETag', tagOf(current.version));
        response.status(HttpStatus.NOT_MODIFIED);
        return undefined;
      }
    }
    const job = await this.jobs.get(id, caller.id, withDetails);
    response.setHeader('ETag', tagOf(job.version));
    return JobDto.from(job);
  }

  /** Waits for the job to move on, for at most `seconds`; a caller that hangs up ends the wait. */
  private async waitForChange(
    id: string,
    version: number,
    seconds: number,
    response: Response,
  ): Promise<void> {
    const gone = new AbortController();
    const hangUp = (): void => gone.abort();
    response.once('close', hangUp);
    try {
      await this.watcher.waitForChange(id, version, seconds * 1000, gone.signal);
    } finally {
      response.off('close', hangUp);
    }
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Authorize('authenticated')
  @Operation(
    'Cancel a job',
    'A queued job is cancelled at once; a running one stops before its next write (never inside one). Asking a ' +
      'running job again answers the same.',
  )
  @ApiOkResponse({ type: JobDto })
  @NotFound('job')
  @Conflicts('The job has finished.')
  async cancel(@IdParam() id: string, @CurrentActor() actor: Actor): Promise<JobDto> {
    return JobDto.from(await this.jobs.cancel(id, actor));
  }
}
