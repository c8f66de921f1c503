/**
 * The request line and client header of the X-Road REST protocol (PR-REST §4.1, §4.3):
 *
 *   {METHOD} /r1/{instance}/{memberClass}/{memberCode}/{subsystemCode}/{serviceCode}[/{path}][?query]
 *   X-Road-Client: {instance}/{memberClass}/{memberCode}[/{subsystemCode}]
 *
 * Identifier parts are percent-decoded and checked by the ids module. The service's own path is
 * passed on with its percent-encoding intact, but it is refused when it could mean something else
 * to the provider than to the access check: dot segments, encoded `/` or `\`, bad escapes.
 */

import { isAppError } from '../../kernel/errors.ts';
import {
  type ClientId,
  decodeXRoadPathSegments,
  formatXRoadId,
  type ServiceId,
  type SubsystemId,
  type XRoadIdOptions,
} from '../../kernel/ids/xroad-id.ts';
import { XRoadError, xroadErrors } from './errors.ts';

export const PROTOCOL_PREFIX = '/r1/';
const SHAPE = '/r1/{instance}/{memberClass}/{memberCode}/{subsystemCode}/{serviceCode}[/path][?query]';

export interface ParsedServicePath {
  service: ServiceId;
  /** `INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE`: the form access rights and findService take. */
  serviceId: string;
  /** The service's own path after the service code, starting with `/` (none → `/`), encoding preserved. */
  servicePath: string;
  /** `''` or `'?…'` exactly as received. */
  query: string;
}

const badRequest = (message: string, details: Record<string, unknown>, cause?: unknown) =>
  new XRoadError('Client.BadRequest', message, 400, { details, cause });

// RFC 3986 path characters (pchar and "/"), with "%" checked separately as an escape.
const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
// The query is passed on unmodified, so only what no HTTP request target can hold is refused.
const BAD_QUERY_CHARS = /[^\x21-\x7E]|#/;

/** Splits `pathAndQuery` at the first `?` after checking it is an origin-form request target. */
function splitTarget(pathAndQuery: string): { path: string; query: string } {
  if (!pathAndQuery.startsWith('/')) {
    throw badRequest(
      `Request target "${pathAndQuery}" must be a path starting with "/" (origin form), not an absolute URL; expected ${SHAPE}.`,
      { part: 'target' },
    );
  }
  const q = pathAndQuery.indexOf('?');
  const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query = q < 0 ? '' : pathAndQuery.slice(q);
  if (!PATH_CHARS.test(path) || BAD_ESCAPE.test(path)) {
    throw badRequest(
      `Request path "${path}" contains a character that must be percent-encoded or a "%" not followed by two hex digits.`,
      { part: 'path' },
    );
  }
  if (BAD_QUERY_CHARS.test(query) || BAD_ESCAPE.test(query)) {
    throw badRequest(
      `Query string "${query}" contains a space, control, non-ASCII or "#" character, or a bad "%" escape; percent-encode it.`,
      { part: 'query' },
    );
  }
  return { path, query };
}

function checkProtocolVersion(segment: string | undefined, path: string): void {
  if (segment === 'r1') return;
  if (segment !== undefined && /^r\d+$/.test(segment)) {
    throw new XRoadError(
      'Client.InvalidProtocolVersion',
      `Request path "${path}" asks for protocol version "${segment}"; this gateway speaks r1 only.`,
      400,
      { details: { part: 'protocolVersion' } },
    );
  }
  throw badRequest(`Request path "${path}" must start with ${PROTOCOL_PREFIX}; expected ${SHAPE}.`, {
    part: 'protocolVersion',
  });
}

function decodeIds(segments: readonly string[], path: string, options: XRoadIdOptions) {
  try {
    return decodeXRoadPathSegments(segments, options);
  } catch (err) {
    if (!isAppError(err)) throw err;
    const error = xroadErrors.invalidServiceId(`${err.message} (request path "${path}"; expected ${SHAPE})`);
    throw new XRoadError(error.type, error.message, error.status, {
      details: { part: err.details?.['part'] },
      cause: err,
    });
  }
}

function checkServicePath(servicePath: string, path: string): void {
  for (const segment of servicePath.split('/').slice(1)) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw badRequest(`Request path "${path}": segment "${segment}" is not valid percent-encoded UTF-8.`, {
        part: 'servicePath',
      });
    }
    if (decoded === '.' || decoded === '..') {
      throw badRequest(
        `Request path "${path}": the service path may not contain "." or ".." segments (they would address another resource); send the resolved path.`,
        { part: 'servicePath' },
      );
    }
    if (/[/\\\0]/.test(decoded)) {
      throw badRequest(
        `Request path "${path}": segment "${segment}" encodes "/", "\\" or NUL, which providers may read as a path separator; not allowed.`,
        { part: 'servicePath' },
      );
    }
  }
}

/** Parses a `/r1/…` request target; throws XRoadError (`Client.*`, 400) naming the wrong part. */
export function parseServicePath(pathAndQuery: string, options: XRoadIdOptions = {}): ParsedServicePath {
  const { path, query } = splitTarget(pathAndQuery);
  const parts = path.split('/');
  checkProtocolVersion(parts[1], path);
  if (parts.length < 7) {
    throw badRequest(
      `Request path "${path}" has ${Math.max(parts.length - 2, 0)} identifier part(s); a service needs 5: ${SHAPE}.`,
      { part: 'serviceId' },
    );
  }
  const service = decodeIds(parts.slice(2, 7), path, options) as ServiceId;
  const servicePath = parts.length > 7 ? `/${parts.slice(7).join('/')}` : '/';
  checkServicePath(servicePath, path);
  return { service, serviceId: formatXRoadId(service), servicePath, query };
}

/**
 * The `X-Road-Client` header: a member or a subsystem, parts percent-encoded. When a request
 * repeats the header, X-Road uses the last one; pass that value, not Node's comma-joined string.
 */
export function parseClientHeader(value: string | undefined, options: XRoadIdOptions = {}): ClientId {
  const text = value?.trim();
  if (!text) throw xroadErrors.missingClientHeader();
  const segments = text.split('/');
  if (segments.length !== 3 && segments.length !== 4) {
    throw xroadErrors.invalidClientId(
      `"${text}" has ${segments.length} part(s); expected INSTANCE/CLASS/MEMBER or INSTANCE/CLASS/MEMBER/SUBSYSTEM.`,
    );
  }
  try {
    return decodeXRoadPathSegments(segments, options) as ClientId;
  } catch (err) {
    if (!isAppError(err)) throw err;
    const error = xroadErrors.invalidClientId(err.message);
    throw new XRoadError(error.type, error.message, error.status, {
      details: { part: err.details?.['part'] },
      cause: err,
    });
  }
}

export type MetaService =
  | { kind: 'listClients'; instance?: string }
  | { kind: 'listMethods' | 'allowedMethods'; provider: SubsystemId; serviceCode?: string }
  | { kind: 'getOpenAPI'; provider: SubsystemId; serviceCode: string };

const META_SERVICE_CODES = new Set(['listMethods', 'allowedMethods', 'getOpenAPI']);
const ID_PART = /^[A-Za-z0-9'()+,\-.=?]+$/;

/** The last value of a query parameter, form-decoded, matching the name as `match` says. */
function lastParam(query: string, match: (name: string) => boolean): string | undefined {
  let value: string | undefined;
  for (const [name, v] of new URLSearchParams(query)) if (match(name)) value = v;
  return value;
}

/**
 * Discovery metaservices (PR-MREST, PR-META): `GET /listClients[?xRoadInstance=X]` and
 * `GET /r1/{provider subsystem}/listMethods|allowedMethods|getOpenAPI?serviceCode=X`. Returns
 * null for anything else, which is then an ordinary service call; throws XRoadError for a
 * metaservice call that is malformed.
 */
export function parseMetaServicePath(
  method: string,
  pathAndQuery: string,
  options: XRoadIdOptions = {},
): MetaService | null {
  if (method !== 'GET') return null;
  const { path, query } = splitTarget(pathAndQuery);
  if (path === '/listClients') {
    // xRoadInstance is X-Road's name for it, instanceId GovStack's.
    const instance = lastParam(query, (name) => name === 'xRoadInstance' || name === 'instanceId');
    if (!instance) return { kind: 'listClients' };
    if (!ID_PART.test(instance) || instance === '.' || instance === '..') {
      throw badRequest(
        `listClients: xRoadInstance "${instance}" is not an instance identifier (only A-Z a-z 0-9 ' ( ) + , - . = ?).`,
        { part: 'xRoadInstance' },
      );
    }
    return { kind: 'listClients', instance };
  }
  const parts = path.split('/');
  if (parts[1] !== 'r1' || parts.length < 7) return null;
  let code: string;
  try {
    code = decodeURIComponent(parts[6]!);
  } catch {
    return null;
  }
  if (!META_SERVICE_CODES.has(code)) return null;
  if (parts.length > 8 || (parts.length === 8 && parts[7] !== '')) {
    throw badRequest(`Metaservice ${code} takes no path after its name; request path was "${path}".`, {
      part: 'servicePath',
    });
  }
  const provider = decodeIds(parts.slice(2, 6), path, options) as SubsystemId;
  if (code !== 'getOpenAPI') {
    // GovStack's directory API narrows the list to one service with ?serviceId=CODE.
    const only = lastParam(query, (name) => name === 'serviceId');
    if (only !== undefined && !ID_PART.test(only)) {
      throw badRequest(
        `${code}: serviceId "${only}" is not a service code (only A-Z a-z 0-9 ' ( ) + , - . = ?).`,
        {
          part: 'serviceId',
        },
      );
    }
    return {
      kind: code as 'listMethods' | 'allowedMethods',
      provider,
      ...(only ? { serviceCode: only } : {}),
    };
  }
  // X-Road matches this parameter name case-insensitively and keeps the last occurrence.
  const serviceCode = lastParam(query, (name) => name.toLowerCase() === 'servicecode');
  if (!serviceCode) {
    throw badRequest('getOpenAPI needs the service code: add ?serviceCode=CODE to the request.', {
      part: 'serviceCode',
    });
  }
  if (!ID_PART.test(serviceCode) || serviceCode === '.' || serviceCode === '..') {
    throw badRequest(
      `getOpenAPI: serviceCode "${serviceCode}" is not a service code (only A-Z a-z 0-9 ' ( ) + , - . = ?).`,
      { part: 'serviceCode' },
    );
  }
  return { kind: 'getOpenAPI', provider, serviceCode };
}
