/**
 * Errors a gateway raises itself, in the X-Road REST protocol's shape (PR-REST §4.6): a `type`
 * such as `Client.BadRequest` or `Server.ServerProxy.AccessDenied`, echoed in the `X-Road-Error`
 * header so callers can tell gateway faults from the provider service's own errors (which pass
 * through untouched and never go through here).
 *
 * Types follow X-Road's legacy fault codes (`Client.*` for the caller's mistakes,
 * `Server.ClientProxy.*` for the consumer-side gateway, `Server.ServerProxy.*` for the provider
 * side). X-Road itself answers only 400 (`Client.*`) and 500 (`Server.*`); Liên Thông keeps that
 * by default and uses a more precise status only where a client can act on it: 413/431 for size
 * limits, 502/504 for an unreachable or slow peer, 503 for an expired configuration.
 */

import { AppError } from '../../kernel/errors.ts';
import { preferredErrorMediaType } from './accept.ts';

export type XRoadErrorType = string;
/** Which gateway role raised a `Server.*` fault: consumer side (`ClientProxy`) or provider side. */
export type ProxySide = 'ClientProxy' | 'ServerProxy';

const TYPE_SHAPE = /^(?:Client|Server)(?:\.[A-Za-z][A-Za-z0-9]*)+$/;

export class XRoadError extends Error {
  override readonly name = 'XRoadError';
  readonly type: XRoadErrorType;
  readonly status: number;
  /** Facts for logs and tests (e.g. which path part was wrong); never rendered to the caller. */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    type: XRoadErrorType,
    message: string,
    status?: number,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // The type travels in a response header, so a malformed one is a bug here, not the caller's.
    if (!TYPE_SHAPE.test(type)) {
      throw new AppError(
        'internal',
        'gateway.invalid_error_type',
        `X-Road error type "${type}" must look like Client.Name or Server.Component.Name (letters and digits).`,
      );
    }
    this.type = type;
    this.status = status ?? (type.startsWith('Client.') ? 400 : 500);
    this.details = options.details;
  }
}

export function isXRoadError(err: unknown): err is XRoadError {
  return err instanceof XRoadError;
}

const server = (side: ProxySide, name: string) => `Server.${side}.${name}`;

const PERSONAL_DATA_HEADERS: Record<string, string> = {
  'X-Road-UserId': 'the end user, an ISO country code and the personal number, e.g. VN001203012345',
  'X-Road-Issue': 'the case or purpose reference the data is needed for',
};

export const xroadErrors = {
  missingClientHeader: () =>
    new XRoadError(
      'Client.InvalidClientIdentifier',
      'The request has no X-Road-Client header; send X-Road-Client: INSTANCE/CLASS/MEMBER/SUBSYSTEM naming your subsystem.',
    ),
  invalidClientId: (detail: string) =>
    new XRoadError(
      'Client.InvalidClientIdentifier',
      `The X-Road-Client header is not a valid client identifier: ${detail}`,
    ),
  invalidServiceId: (detail: string) =>
    new XRoadError('Client.BadRequest', `The service identifier in the request path is not valid: ${detail}`),
  unknownService: (serviceId: string, side: ProxySide = 'ServerProxy') =>
    new XRoadError(
      server(side, 'UnknownService'),
      `Unknown service: ${serviceId}. Check the service identifier against the provider's listMethods.`,
    ),
  unknownClient: (clientId: string, side: ProxySide = 'ClientProxy') =>
    new XRoadError(
      server(side, 'UnknownMember'),
      `Client '${clientId}' not found: it is not a registered subsystem served by this gateway.`,
    ),
  accessDenied: (clientId: string, serviceId: string, side: ProxySide = 'ServerProxy') =>
    new XRoadError(
      server(side, 'AccessDenied'),
      `Request is not allowed: ${clientId} has no access right to ${serviceId} for this method and path. Ask the provider to grant one.`,
    ),
  networkError: (detail: string, side: ProxySide = 'ServerProxy') =>
    new XRoadError(server(side, 'NetworkError'), `Could not reach the next hop: ${detail}`, 502),
  timeout: (detail: string, side: ProxySide = 'ServerProxy') =>
    new XRoadError(server(side, 'NetworkError'), `The next hop did not answer in time: ${detail}`, 504),
  signatureInvalid: (detail: string, side: ProxySide = 'ServerProxy') =>
    new XRoadError(server(side, 'InvalidSignatureValue'), `The message signature does not verify: ${detail}`),
  certificateInvalid: (detail: string, side: ProxySide = 'ServerProxy') =>
    new XRoadError(
      server(side, 'CertValidation'),
      `The peer certificate is not acceptable (expired, revoked or not issued by a trusted CA): ${detail}`,
    ),
  replay: (detail: string, side: ProxySide = 'ServerProxy') =>
    new XRoadError(
      server(side, 'InvalidMessage'),
      `The message was already received once and is refused as a replay: ${detail}`,
    ),
  missingPersonalDataHeaders: (missing: string[]) =>
    new XRoadError(
      'Client.MissingHeaderField',
      `This service processes personal data, so the request must say who asks and why. Missing: ${missing
        .map((h) => (PERSONAL_DATA_HEADERS[h] ? `${h} (${PERSONAL_DATA_HEADERS[h]})` : h))
        .join('; ')}.`,
      400,
      { details: { missing } },
    ),
  bodyTooLarge: (limit: number) =>
    new XRoadError(
      'Client.BadRequest',
      `The request body is larger than this gateway accepts (${limit} bytes); send a smaller body.`,
      413,
      { details: { limit } },
    ),
  headersTooLarge: () =>
    new XRoadError(
      'Client.BadRequest',
      'The request headers are larger than this gateway accepts; send fewer or shorter headers.',
      431,
    ),
  configurationExpired: (side: ProxySide = 'ClientProxy') =>
    new XRoadError(
      server(side, 'OutdatedGlobalConf'),
      'The global configuration held by this gateway has expired and could not be refreshed; requests resume once a fresh configuration is downloaded.',
      503,
    ),
  internal: (detail: string, side: ProxySide = 'ServerProxy') =>
    new XRoadError(server(side, 'InternalError'), `Internal error in the gateway: ${detail}`),
};

/**
 * Any failure as an X-Road error: kernel `bad_input` errors become `Client.BadRequest` with their
 * message; anything unexpected becomes an internal error without its text, which may hold
 * internals the caller must not see.
 */
export function asXRoadError(err: unknown, side: ProxySide = 'ServerProxy'): XRoadError {
  if (isXRoadError(err)) return err;
  if (err instanceof AppError && err.category === 'bad_input') {
    return new XRoadError('Client.BadRequest', err.message, 400, { details: err.details, cause: err });
  }
  const wrapped = xroadErrors.internal('unexpected failure; see the gateway log', side);
  return new XRoadError(wrapped.type, wrapped.message, wrapped.status, { cause: err });
}

export interface RenderedXRoadError {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The response for a gateway-raised error. `detailId` is the identifier the gateway logged the
 * failure under (X-Road uses a UUID), so an operator can find it from the caller's report.
 */
export function renderXRoadError(
  err: XRoadError,
  accept: string | undefined,
  detailId: string,
): RenderedXRoadError {
  const mediaType = preferredErrorMediaType(accept);
  const headers = { 'Content-Type': `${mediaType};charset=utf-8`, 'X-Road-Error': err.type };
  const body =
    mediaType === 'application/json'
      ? JSON.stringify({ type: err.type, message: err.message, detail: detailId })
      : '<?xml version="1.0" encoding="UTF-8"?>' +
        `<error><type>${escapeXml(err.type)}</type><message>${escapeXml(err.message)}</message>` +
        `<detail>${escapeXml(detailId)}</detail></error>`;
  return { status: err.status, headers, body };
}

const XML_ENTITY: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Whether XML 1.0 can carry this code point at all (its `Char` production). */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    cp >= 0x10000
  );
}

/**
 * Text content escaped for XML. Code points XML cannot carry at all (most controls, lone
 * surrogates, U+FFFE/U+FFFF) would make the document unparseable, so they become U+FFFD.
 */
export function escapeXml(text: string): string {
  let out = '';
  for (const ch of text) {
    out += XML_ENTITY[ch] ?? (isXmlChar(ch.codePointAt(0)!) ? ch : '\uFFFD');
  }
  return out;
}
