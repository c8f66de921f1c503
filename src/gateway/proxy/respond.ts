import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderXRoadError, type XRoadError } from '../protocol/errors.ts';
import type { GatewayRuntime } from './runtime.ts';

/** Answers with an X-Road error, unless a response has already started (then the connection is cut). */
export function sendXRoadError(
  rt: GatewayRuntime,
  req: IncomingMessage,
  res: ServerResponse,
  err: XRoadError,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const detail = rt.random.uuid();
  const { status, headers, body } = renderXRoadError(err, req.headers.accept, detail);
  // Whatever of the request body is still unread is discarded, so the connection can be reused.
  req.resume();
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
