import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One field that failed validation: where it is (dotted path) and what to fix. */
export class FieldError {
  /** Dotted path of the field in the request, e.g. `connection.url` or `query.limit`. */
  field!: string;
  /** What is wrong and what is expected. */
  message!: string;
}

/** RFC 9457 problem details, the body of every error response (`application/problem+json`). */
export class ProblemDetails {
  /** Stable identifier of the kind of problem; branch on this. */
  @ApiProperty({ example: 'urn:dfm:problem:validation' })
  type!: string;
  /** Short summary of the kind of problem. */
  title!: string;
  /** HTTP status code. */
  status!: number;
  /** What happened in this case, and what to do about it. */
  detail!: string;
  /** The request path. */
  instance!: string;
  /** Request id, also in the `X-Request-Id` response header and in the logs. */
  requestId!: string;
  /** Field errors of a validation failure. */
  @ApiPropertyOptional({ type: [FieldError] })
  errors?: FieldError[];
  /** The permission that was missing (403). */
  @ApiPropertyOptional({ example: 'administer-dhcp-servers' })
  missingPermission?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
