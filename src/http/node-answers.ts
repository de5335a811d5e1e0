import type { FastifyInstance } from 'fastify';
import type { ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, ProblemError, problem } from './problem.js';

/**
 * Answers that Node's HTTP server would give on its own, bare: here they are problem+json like
 * every other, and carry no body when the request was HEAD.
 */

/** Malformed HTTP never reaches a route (Fastify's clientErrorHandler): answered by hand on the socket. */
export function answerClientError(err: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify(
    tooLarge
      ? problem('headers-too-large', 'the request headers exceed 16 KiB')
      : problem('validation-failed', 'the request is not valid HTTP'),
  );
  // What could be parsed of the request says whether it was HEAD, whose answer has no body.
  const head = Buffer.isBuffer(err.rawPacket) && err.rawPacket.subarray(0, 5).toString('latin1') === 'HEAD ';
  socket.end(
    `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`,
  );
}

/** The server options that let the checks below see what Node would otherwise answer itself. */
export const httpServerOptions: ServerOptions = { requireHostHeader: false };

/**
 * Refuses, as the first hook of every request, what HTTP refuses before any route: an
 * HTTP/1.1 request without exactly one Host (RFC 9112 §3.2: 400), an expectation other than
 * 100-continue (RFC 9110 §10.1.1: 417; Node sends the 100 of a 100-continue itself).
 */
export function refuseUnframedRequests(app: FastifyInstance): void {
  // Node hands a request with another expectation to this event instead of 'request'.
  app.server.on('checkExpectation', (req, res) => app.routing(req, res));
  // A callback hook, not an async one, and no array made: this runs on every request.
  app.addHook('onRequest', (request, _reply, done) => {
    const raw = request.raw;
    const hosts = hostHeaders(raw.rawHeaders);
    if (hosts > 1 || (hosts === 0 && raw.httpVersionMajor === 1 && raw.httpVersionMinor >= 1)) {
      const message = hosts > 1 ? 'must be given once' : 'is required in HTTP/1.1';
      return done(
        new ProblemError(
          problem('validation-failed', `the Host header ${message}`, { errors: [{ path: 'Host', message }] }),
        ),
      );
    }
    const expect = request.headers.expect;
    if (expect !== undefined && expect.trim().toLowerCase() !== '100-continue') {
      return done(
        new ProblemError(
          problem('expectation-failed', 'the only expectation this service meets is Expect: 100-continue', {
            errors: [{ path: 'Expect', message: 'must be 100-continue, or left out' }],
          }),
        ),
      );
    }
    done();
  });
}

/** How many Host headers came (rawHeaders alternates names and values). */
function hostHeaders(raw: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') n += 1;
  return n;
}
