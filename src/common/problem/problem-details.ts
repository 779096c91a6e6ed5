import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PERMISSIONS, type Permission } from '../../permissions/permission.js';
import { DriverErrorCode } from '../../vendors/driver-error.js';
import { VENDORS, type Vendor } from '../../vendors/vendor.js';
import { ProblemType, type ProblemTypeUri } from './problem-types.js';

/** One field that failed validation: where it is (dotted path) and what to fix. */
export class FieldError {
  @ApiProperty({
    example: 'connection.url',
    description: 'Dotted path of the field in the request, e.g. `connection.url` or `query.limit`.',
  })
  field!: string;
  @ApiProperty({ description: 'What is wrong and what is expected.' })
  message!: string;
}

/** One server of a relationship removal whose pools must be told which peer they refer to instead. */
export class ReplacementChoice {
  @ApiProperty({ format: 'uuid', description: "The server whose pools name the relationship's peer." })
  serverId!: string;
  @ApiProperty({ description: 'Its registered name.' })
  serverName!: string;
  @ApiProperty({ description: "The relationship's failover peer on that server, which the removal deletes." })
  peer!: string;
  @ApiProperty({
    type: [String],
    description: 'The other peers on that server; send one as `?replacement=<serverId>:<peer>`.',
  })
  choices!: string[];
  @ApiProperty({ type: 'integer', minimum: 0, description: 'How many pool declarations name the peer.' })
  pools!: number;
  @ApiProperty({
    type: [String],
    example: ['10.1.2.0/24'],
    description: 'The subnets (CIDR) whose pools name the peer.',
  })
  scopes!: string[];
}

/**
 * RFC 9457 problem details, the body of every error response (`application/problem+json`).
 *
 * The optional members are the extensions some problems carry; each says when. They are declared here, and only
 * here, because `ProblemException` accepts no other (`ProblemExtensions`) and problem-members.spec.ts fails on a
 * member the generated schema lacks.
 */
export class ProblemDetails {
  // Described by hand: the Swagger plugin reads only `*.dto.ts` files.
  @ApiProperty({
    enum: Object.values(ProblemType),
    example: ProblemType.validation,
    description:
      'Stable identifier of the kind of problem; branch on this. New kinds may be added; docs/problems.md describes each.',
  })
  type!: ProblemTypeUri;
  @ApiProperty({ example: 'Validation failed', description: 'Short summary of the kind of problem.' })
  title!: string;
  @ApiProperty({ type: 'integer', example: 400, description: 'HTTP status code, as in the response.' })
  status!: number;
  @ApiProperty({ description: 'What happened in this case, and what to do about it.' })
  detail!: string;
  @ApiProperty({ example: '/api/v1/servers', description: 'The request path.' })
  instance!: string;
  @ApiProperty({ description: 'Request id, also in the `X-Request-Id` response header and in the logs.' })
  requestId!: string;

  @ApiPropertyOptional({
    type: [FieldError],
    description: '`validation` (400): one entry per body, query, path or header value to fix.',
  })
  errors?: FieldError[];
  @ApiPropertyOptional({
    enum: PERMISSIONS,
    example: 'administer-dhcp-servers',
    description: '`forbidden` (403): the permission the caller lacks on the resource; ask for a grant of it.',
  })
  missingPermission?: Permission;

  @ApiPropertyOptional({
    enum: Object.values(DriverErrorCode),
    description:
      'The `server-*` problems (a DHCP server failed or refused the request): what went wrong, as the driver ' +
      'classed it (`unreachable` and `conflict` may pass on retry).',
  })
  driverError?: DriverErrorCode;
  @ApiPropertyOptional({
    description:
      "The `server-*` problems, when the DHCP server said why: its own text (Kea's answer, `dhcpd -t` output, the " +
      "PowerShell error, the transport's cause), unchanged.",
  })
  vendorMessage?: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'A relationship operation (or a change to a server in one) that failed reading or writing one of its ' +
      "servers: that server. The problem's `type` and its other members are that server's failure.",
  })
  failedServerId?: string;
  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    description:
      'With `failedServerId`: the servers the change had already written and then put back as they were. Empty ' +
      'when none was written, or when putting one back failed too (the `detail` names those to check by hand).',
  })
  restored?: string[];
  @ApiPropertyOptional({
    enum: VENDORS,
    description:
      "`vendor-not-supported` (501) and `wrong-vendor` (409): the server's vendor, which this build has no driver " +
      'for, or which the operation is not for (ISC failover peers on a Kea or Windows server).',
  })
  vendor?: Vendor;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      '`conflict` (409) on a create or rename of a principal, role, server or relationship whose name is taken ' +
      '(whatever its case): the id of the record that holds it. Absent when two requests raced for the name.',
  })
  existingId?: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      '`conflict` (409) on `POST /grants`: the principal has this grant already (same role, permissions and ' +
      'resource); its id.',
  })
  existingGrantId?: string;
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description: '`conflict` (409) on `DELETE /roles/{id}`: how many grants still use the role.',
  })
  grants?: number;
  @ApiPropertyOptional({
    format: 'uuid',
    description: '`conflict` (409) on `POST /api-keys`: the principal, which is disabled; enable it first.',
  })
  principalId?: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      '`conflict` (409) on `POST /relationships`: the server that has failover configured already (adopt or ' +
      'remove that relationship first).',
  })
  serverId?: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      '`conflict` (409) on the ISC failover-peer routes: the managed relationship the peer (`peer`) is one side ' +
      'of; change it through `/relationships/{id}`. On `DELETE /servers/{id}`: a managed relationship the server is ' +
      'in (the first, when several; the detail names each), to remove first.',
  })
  relationshipId?: string;
  @ApiPropertyOptional({
    description: 'With `relationshipId`: the name of the failover peer that belongs to the relationship.',
  })
  peer?: string;
  @ApiPropertyOptional({
    type: [String],
    description:
      '`conflict` (409) on `DELETE /servers/{id}/failover-peers/{name}`: the pools that name the peer must name ' +
      'another, and these are the peers to choose from; send one as `?replacement=`.',
  })
  choices?: string[];
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description: 'With `choices`: how many pool declarations name the peer being deleted.',
  })
  pools?: number;
  @ApiPropertyOptional({
    type: [String],
    example: ['10.1.2.0/24'],
    description: 'With `choices`: the subnets (CIDR) whose pools name the peer being deleted.',
  })
  scopes?: string[];
  @ApiPropertyOptional({
    type: [String],
    description:
      '`conflict` (409) when moving a scope to another ISC failover peer would leave peers that no pool names, ' +
      'which are then deleted: those peers. Send the confirmation named in `confirm` to go ahead.',
  })
  peersToDelete?: string[];
  @ApiPropertyOptional({
    enum: ['confirmDeleteOldPeer'],
    description:
      'With `peersToDelete`: the body field that confirms deleting them; send it as `true` (the failover-peer PUT ' +
      'of a scope also takes it as `confirmPeerDeletion`).',
  })
  confirm?: 'confirmDeleteOldPeer';
  @ApiPropertyOptional({
    type: [ReplacementChoice],
    description:
      '`conflict` (409) on `DELETE /relationships/{id}` (ISC): the servers where two or more other failover peers ' +
      'are left, so the pools that name the removed peer need the caller to say which one they refer to instead; ' +
      'nothing was changed.',
  })
  replacements?: ReplacementChoice[];
}

/** The members every problem has; the rest of ProblemDetails are extensions. */
type ProblemCore = 'type' | 'title' | 'status' | 'detail' | 'instance' | 'requestId';

/** The extension members a `ProblemException` may carry: only those ProblemDetails declares (and so documents). */
export type ProblemExtensions = Partial<Omit<ProblemDetails, ProblemCore>>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
