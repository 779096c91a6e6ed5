import { writeFileSync } from 'node:fs';
import { generateOpenApiDocument, serializeOpenApiDocument } from '../src/openapi/preview-app.js';

// npm run openapi: regenerates the committed contract from the code (a test fails when it is stale).
const target = new URL('../../openapi/openapi.json', import.meta.url);
writeFileSync(target, serializeOpenApiDocument(await generateOpenApiDocument()));
process.stdout.write(`Wrote ${target.pathname}\n`);
