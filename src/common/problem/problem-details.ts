import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

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

/** RFC 9457 problem details, the body of every error response (`application/problem+json`). */
export class ProblemDetails {
  // Described by hand: the Swagger plugin reads only `*.dto.ts` files.
  @ApiProperty({
    example: 'urn:dfm:problem:validation',
    description: 'Stable identifier of the kind of problem; branch on this.',
  })
  type!: string;
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
  @ApiPropertyOptional({ type: [FieldError], description: 'Field errors of a validation failure (400).' })
  errors?: FieldError[];
  @ApiPropertyOptional({
    example: 'administer-dhcp-servers',
    description: 'The permission that was missing (403).',
  })
  missingPermission?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
