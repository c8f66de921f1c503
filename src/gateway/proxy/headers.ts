import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Headers that belong to one hop and never travel through a gateway. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'host',
  'content-length',
  'expect',
  'x-road-request-hash',
  'x-road-request-id',
  'x-road-error',
]);

/** Our own inter-gateway headers, never passed to information systems or backends. */
export const EVIDENCE_HEADER = 'x-lienthong-evidence';
export const CLIENT_KEY_HEADER = 'x-lienthong-client-key';

export function passThroughHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name.startsWith('x-lienthong-')) continue;
    out[name] = value;
  }
  return out;
}

export function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
