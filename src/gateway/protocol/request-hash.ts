/**
 * `X-Road-Request-Hash`: binds a response to the exact request it answers (PR-REST §4.3), so a
 * citizen's record can later be proven to have been returned for a given query.
 *
 *   hash = base64(SHA-512(SHA-512(headers) ‖ SHA-512(body)))   or   base64(SHA-512(headers))
 *
 * "headers" is the block X-Road's `RestRequest` serialises: `VERB\r\n`, `path[?query]\r\n`, then
 * `name:value\r\n` per header in arrival order, leaving out hop-by-hop and transport headers and
 * any incoming request id/hash, then the gateway's `x-road-request-id` and, when the gateway made
 * it up, `x-road-id`. As in X-Road, received header names keep the case they arrived in and the
 * appended names are lower case. (X-Road's Jetty may canonicalise the case of well-known names,
 * so byte-for-byte agreement with an X-Road server is only guaranteed for canonically-cased
 * well-known headers; two Liên Thông gateways always agree because both use this function on
 * the same block.)
 *
 * Node hands over the request line and header fields as latin1 strings, one character per byte
 * received. They are turned back into those bytes, so the hash covers exactly what came over the
 * wire: for a client that sends UTF-8, that is the UTF-8 the protocol speaks of.
 */

import { createHash } from 'node:crypto';
import { badInput } from '../../kernel/errors.ts';

export const EXCLUDED_HASH_HEADERS: ReadonlySet<string> = new Set([
  'transfer-encoding',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
  'connection',
  'user-agent',
  'host',
  'content-length',
  'server',
  'expect',
]);

const REQUEST_ID = 'x-road-request-id';
const REQUEST_HASH = 'x-road-request-hash';
const QUERY_ID = 'x-road-id';

export interface RequestHashInput {
  /** As received, e.g. `GET`. */
  method: string;
  /** As received after the host, e.g. `/r1/VN/GOV/000.00.00.G01/population/citizens/citizens/001?x=1`. */
  pathAndQuery: string;
  /** Node's `IncomingMessage.rawHeaders`: flat `[name, value, name, value…]` in arrival order. */
  rawHeaders: readonly string[];
  /** The `X-Road-Request-Id` the gateway assigned. */
  requestId: string;
  /** Set only when the gateway generated `X-Road-Id` because the request had none. */
  generatedXRoadId?: string;
  /** SHA-512 of the body; null/undefined when the request carries no body at all. */
  bodySha512?: Buffer | null;
}

const CRLF = Buffer.from('\r\n', 'latin1');

const fail = (message: string, details: Record<string, unknown>) =>
  badInput('gateway.invalid_hash_input', message, details);

/** Bytes of a string Node decoded as latin1; anything wider cannot have come off the wire. */
function wireBytes(text: string, what: string): Buffer {
  // A CR or LF would forge extra lines in the block; wider characters were never received bytes.
  if (/[^\x20-\xFF\t]/.test(text)) {
    throw fail(
      `Request hash input: ${what} "${text}" must be a received string (one character per byte, no control characters but tab).`,
      { what },
    );
  }
  return Buffer.from(text, 'latin1');
}

function generatedBytes(text: string, what: string): Buffer {
  if (text.length === 0 || /[\r\n]/.test(text)) {
    throw fail(`Request hash input: ${what} must be non-empty and contain no CR or LF.`, { what });
  }
  return Buffer.from(text, 'utf8');
}

/** The serialised header block the hash covers; exposed so tests and verifiers can show it. */
export function headersBlock(input: RequestHashInput): Buffer {
  const { rawHeaders } = input;
  if (rawHeaders.length % 2 !== 0) {
    throw fail(
      `Request hash input: rawHeaders must alternate names and values, got ${rawHeaders.length} entries.`,
      { length: rawHeaders.length },
    );
  }
  const parts: Buffer[] = [wireBytes(input.method, 'method'), CRLF];
  parts.push(wireBytes(input.pathAndQuery, 'path and query'), CRLF);
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (EXCLUDED_HASH_HEADERS.has(lower) || lower === REQUEST_ID || lower === REQUEST_HASH) continue;
    parts.push(wireBytes(name, 'header name'), Buffer.from(':'), wireBytes(rawHeaders[i + 1]!, name), CRLF);
  }
  parts.push(Buffer.from(`${REQUEST_ID}:`), generatedBytes(input.requestId, 'requestId'), CRLF);
  if (input.generatedXRoadId !== undefined) {
    parts.push(Buffer.from(`${QUERY_ID}:`), generatedBytes(input.generatedXRoadId, 'generatedXRoadId'), CRLF);
  }
  return Buffer.concat(parts);
}

const sha512 = (...chunks: Buffer[]) => {
  const h = createHash('sha512');
  for (const c of chunks) h.update(c);
  return h.digest();
};

/** SHA-512 of the header block. */
export function headersDigest(input: RequestHashInput): Buffer {
  return sha512(headersBlock(input));
}

/** The `X-Road-Request-Hash` value, base64. */
export function requestHash(input: RequestHashInput): string {
  const headers = headersDigest(input);
  const body = input.bodySha512;
  if (body === null || body === undefined) return headers.toString('base64');
  if (body.length !== 64) {
    throw fail(`Request hash input: bodySha512 must be a 64-byte SHA-512 digest, got ${body.length} bytes.`, {
      length: body.length,
    });
  }
  return sha512(headers, body).toString('base64');
}
