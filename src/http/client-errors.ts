import { randomUUID } from 'node:crypto';
import { maxHeaderSize, STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ProblemDetails } from '../common/problem/problem-details.js';
import { PROBLEM_CONTENT_TYPE } from '../common/problem/problem-details.js';
import { ProblemType } from '../common/problem/problem-types.js';

/** What Node's HTTP parser and server say of a request they refuse (`clientError`). */
type ClientError = Error & { code?: string; rawPacket?: Buffer };

/**
 * Requests Node refuses before any route sees them (a request line and headers over its limit, bytes that are not
 * HTTP) get a bare status line by default, not the problem+json of every other error. Answered here as the API
 * answers, with a request id; a connection already gone is only closed.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: ClientError, socket: Duplex) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      // As Node answers it: the client sent too slowly, there is nothing to tell it to fix.
      socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const requestId = randomUUID();
    const problem: ProblemDetails = {
      type: tooLarge ? ProblemType.requestHeaderTooLarge : ProblemType.badRequest,
      title: tooLarge ? 'Request header too large' : 'Bad request',
      status,
      detail: tooLarge
        ? `The request line and headers are limited to ${maxHeaderSize} bytes in all; shorten the query string ` +
          '(fewer or shorter filters) or the headers.'
        : `The request is not valid HTTP/1.1 (${error.code ?? error.message}).`,
      instance: pathOf(error.rawPacket),
      requestId,
    };
    const body = JSON.stringify(problem);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

/** The path of the request line at the start of `packet`, when one can be read there; else `*`. */
function pathOf(packet: Buffer | undefined): string {
  const target = packet?.subarray(0, 4096).toString('latin1').split(' ')[1]?.split('?')[0];
  return target && /^\/[\x21-\x7e]{0,2047}$/.test(target) ? target : '*';
}
