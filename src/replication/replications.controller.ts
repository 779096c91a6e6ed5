import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiExtraModels,
  ApiHeader,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, type AuthenticatedPrincipal } from '../auth/authenticated-principal.js';
import { locationHeader, Operation } from '../common/http/api-docs.decorators.js';
import { idempotencyKeyOf } from '../common/idempotency/idempotency-key.js';
import { ProblemDetails } from '../common/problem/problem-details.js';
import { JobDto } from '../jobs/job.dto.js';
import { Authorize } from '../permissions/authorize.decorator.js';
import {
  ReplicationLegTimingsDto,
  ReplicationOutcomeDto,
  ReplicationScopeOutcomeDto,
} from './replication-outcome.dto.js';
import { CreateReplicationDto } from './replication.dto.js';
import { ReplicationsService } from './replications.service.js';

@ApiTags('replications')
// A replication job's outcome, which GET /jobs/{id} shows as a free-form object (jobs know no job type's shape).
@ApiExtraModels(ReplicationOutcomeDto, ReplicationScopeOutcomeDto, ReplicationLegTimingsDto)
@Controller('replications')
export class ReplicationsController {
  constructor(private readonly replications: ReplicationsService) {}

  @Post()
  @HttpCode(202)
  @Authorize('authenticated')
  @Operation(
    'Replicate scopes from a source server to its failover partner(s), as a job',
    "The source's content replaces the destination's (failover settings stay the destination's own). `scope` needs " +
      'one or more scope bits (read-write-scope-options, edit-reservations, edit-address-pools, edit-exclusions) on ' +
      'the scope on both servers and replaces only those parts; `relationship` and `server` need ' +
      'administer-dhcp-servers on every server involved. Answers 202 with `Location: /api/v1/jobs/{id}`.',
  )
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'The same key from the same caller with the same request answers the same job (`Idempotent-Replayed: true`) ' +
      'instead of queuing another; the same key with another request is refused (422).',
  })
  @ApiUnprocessableEntityResponse({
    description: 'The Idempotency-Key was used for a different replication.',
    type: ProblemDetails,
  })
  @ApiAcceptedResponse({
    type: JobDto,
    description: 'Queued; poll the Location.',
    headers: locationHeader('the job to poll (`GET /api/v1/jobs/{id}`)'),
  })
  async create(
    @Body() dto: CreateReplicationDto,
    @CurrentPrincipal() caller: AuthenticatedPrincipal,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JobDto> {
    const { record: job, created } = await this.replications.request(
      dto,
      caller.id,
      idempotencyKeyOf(idempotencyKey),
    );
    response.location(`/api/v1/jobs/${job.id}`);
    if (!created) response.setHeader('Idempotent-Replayed', 'true');
    return JobDto.from(job);
  }
}
