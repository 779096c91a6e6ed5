import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '../common/problem/problem-details.js';

const DESCRIPTION = `Manages DHCP failover (Windows Server DHCP, ISC dhcpd, ISC Kea) as an overlay on servers it does not own.

Authenticate with \`Authorization: Bearer <api key>\`. Errors are RFC 9457 \`application/problem+json\` with a stable
\`type\` and the \`requestId\`. Resources carry an \`ETag\`; changes accept \`If-Match\`. Lists of stored records take
\`limit\` and \`offset\`; lists read live from a server (its scopes, a relationship's scopes, ISC failover peers) are
whole.`;

/** Builds the OpenAPI document from the app's controllers and DTOs; keys sorted so the committed file diffs well. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('dhcp-failover-manager')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key from POST /api/v1/api-keys' })
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) =>
      `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  return sortKeys(useProblemContentType(document)) as OpenAPIObject;
}

/** Error responses are problem+json, not plain JSON. */
function useProblemContentType(document: OpenAPIObject): OpenAPIObject {
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path)) {
      const responses = (operation as { responses?: Record<string, { content?: Record<string, unknown> }> })
        .responses;
      for (const [status, response] of Object.entries(responses ?? {})) {
        const json = response.content?.['application/json'];
        if (Number(status) >= 400 && json && response.content) {
          response.content = { [PROBLEM_CONTENT_TYPE]: json };
        }
      }
    }
  }
  return document;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
