/**
 * X-Road identifiers: member `INSTANCE/CLASS/CODE`, subsystem `…/SUBSYSTEM`, service
 * `…/SUBSYSTEM/SERVICE[/VERSION]`. Every part is non-empty and uses only
 * `A-Z a-z 0-9 ' ( ) + , - . = ?`. Identifiers are case-sensitive.
 */

import { badInput } from '../errors.ts';
import { type AgencyCodeOptions, parseAgencyCode } from './agency-code.ts';
import { parseTaxCode } from './tax-code.ts';

const CODE = 'ids.invalid_xroad_id';

export const DEFAULT_XROAD_INSTANCES: readonly string[] = Object.freeze(['VN']);
export const DEFAULT_MEMBER_CLASSES: readonly string[] = Object.freeze(['GOV', 'COM', 'ORG']);

export interface MemberId {
  readonly type: 'member';
  readonly instance: string;
  readonly memberClass: string;
  readonly memberCode: string;
}

export interface SubsystemId extends Omit<MemberId, 'type'> {
  readonly type: 'subsystem';
  readonly subsystemCode: string;
}

export interface ServiceId extends Omit<SubsystemId, 'type'> {
  readonly type: 'service';
  readonly serviceCode: string;
  readonly serviceVersion?: string;
}

export type ClientId = MemberId | SubsystemId;
export type XRoadId = MemberId | SubsystemId | ServiceId;

export interface XRoadIdOptions {
  /** Allowed instance identifiers. Default `['VN']`. */
  readonly instances?: readonly string[];
  /** Allowed member classes. Default `['GOV', 'COM', 'ORG']`. */
  readonly memberClasses?: readonly string[];
  /** GOV member codes must be agency codes and COM member codes tax codes. Default true. */
  readonly strictMemberCodes?: boolean;
  readonly agencyCodeOptions?: AgencyCodeOptions;
}

export type XRoadPart =
  | 'instance'
  | 'memberClass'
  | 'memberCode'
  | 'subsystemCode'
  | 'serviceCode'
  | 'serviceVersion';

const PART_ORDER: readonly XRoadPart[] = [
  'instance',
  'memberClass',
  'memberCode',
  'subsystemCode',
  'serviceCode',
  'serviceVersion',
];

const PART_LABEL: Record<XRoadPart, string> = {
  instance: 'instance',
  memberClass: 'member class',
  memberCode: 'member code',
  subsystemCode: 'subsystem code',
  serviceCode: 'service code',
  serviceVersion: 'service version',
};

const ALLOWED = /^[A-Za-z0-9'()+,\-.=?]+$/;
const ALLOWED_CHAR = /[A-Za-z0-9'()+,\-.=?]/;

const fail = (
  value: unknown,
  part: XRoadPart | 'value',
  message: string,
  extra: Record<string, unknown> = {},
) => badInput(CODE, message, { value: typeof value === 'string' ? value : String(value), part, ...extra });

/** Character rules every part obeys, whatever the options. */
function checkPart(part: XRoadPart, text: unknown, whole: string): string {
  const label = PART_LABEL[part];
  if (typeof text !== 'string' || text.length === 0) {
    throw fail(whole, part, `X-Road identifier "${whole}": the ${label} is empty.`);
  }
  if (!ALLOWED.test(text)) {
    const bad = [...text].find((c) => !ALLOWED_CHAR.test(c));
    throw fail(
      whole,
      part,
      `X-Road identifier "${whole}": the ${label} "${text}" contains ${JSON.stringify(bad)}; ` +
        "parts may contain only A-Z a-z 0-9 ' ( ) + , - . = ?",
    );
  }
  // URL parsers collapse these as directory references, so they could never reach /r1/ intact.
  if (text === '.' || text === '..') {
    throw fail(
      whole,
      part,
      `X-Road identifier "${whole}": the ${label} cannot be "${text}" (a URL dot segment).`,
    );
  }
  return text;
}

function checkMember(parts: readonly string[], whole: string, options: XRoadIdOptions): void {
  const [instance, memberClass, memberCode] = parts as [string, string, string];
  const instances = options.instances ?? DEFAULT_XROAD_INSTANCES;
  if (!instances.includes(instance)) {
    throw fail(
      whole,
      'instance',
      `X-Road identifier "${whole}": instance "${instance}" is not known; expected one of ${instances.join(', ')}.`,
    );
  }
  const classes = options.memberClasses ?? DEFAULT_MEMBER_CLASSES;
  if (!classes.includes(memberClass)) {
    throw fail(
      whole,
      'memberClass',
      `X-Road identifier "${whole}": member class "${memberClass}" is not known; expected one of ${classes.join(', ')}.`,
    );
  }
  if (options.strictMemberCodes === false) return;
  const rule =
    memberClass === 'GOV'
      ? {
          what: 'an agency electronic code',
          check: () => parseAgencyCode(memberCode, options.agencyCodeOptions),
        }
      : memberClass === 'COM'
        ? { what: 'an enterprise tax code', check: () => parseTaxCode(memberCode) }
        : null;
  if (!rule) return;
  try {
    rule.check();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw fail(
      whole,
      'memberCode',
      `X-Road identifier "${whole}": a ${memberClass} member code must be ${rule.what}. ${reason}`,
      { reason: (err as { code?: string }).code },
    );
  }
}

function build(parts: readonly string[], whole: string, options: XRoadIdOptions): XRoadId {
  parts.forEach((text, i) => {
    checkPart(PART_ORDER[i]!, text, whole);
  });
  checkMember(parts, whole, options);
  const [instance, memberClass, memberCode, subsystemCode, serviceCode, serviceVersion] = parts as string[];
  const member = { instance: instance!, memberClass: memberClass!, memberCode: memberCode! };
  if (parts.length === 3) return Object.freeze({ type: 'member', ...member });
  if (parts.length === 4)
    return Object.freeze({ type: 'subsystem', ...member, subsystemCode: subsystemCode! });
  const service = {
    type: 'service' as const,
    ...member,
    subsystemCode: subsystemCode!,
    serviceCode: serviceCode!,
  };
  return Object.freeze(serviceVersion === undefined ? service : { ...service, serviceVersion });
}

const SHAPES = {
  member: { counts: [3], describe: 'a member identifier has 3 parts: INSTANCE/CLASS/CODE' },
  subsystem: { counts: [4], describe: 'a subsystem identifier has 4 parts: INSTANCE/CLASS/CODE/SUBSYSTEM' },
  client: {
    counts: [3, 4],
    describe: 'a client identifier has 3 or 4 parts: INSTANCE/CLASS/CODE[/SUBSYSTEM]',
  },
  service: {
    counts: [5, 6],
    describe: 'a service identifier has 5 or 6 parts: INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE[/VERSION]',
  },
  any: { counts: [3, 4, 5, 6], describe: 'an X-Road identifier has 3 to 6 slash-separated parts' },
} as const;

function parseShape(value: string, shape: keyof typeof SHAPES, options: XRoadIdOptions): XRoadId {
  if (typeof value !== 'string')
    throw fail(value, 'value', `An X-Road identifier must be a string, got ${typeof value}.`);
  const parts = value.split('/');
  return fromParts(parts, value, shape, options);
}

function fromParts(
  parts: readonly string[],
  whole: string,
  shape: keyof typeof SHAPES,
  options: XRoadIdOptions,
): XRoadId {
  const { counts, describe } = SHAPES[shape];
  if (!(counts as readonly number[]).includes(parts.length)) {
    throw fail(whole, 'value', `X-Road identifier "${whole}" has ${parts.length} part(s); ${describe}.`);
  }
  return build(parts, whole, options);
}

export const parseMemberId = (value: string, options: XRoadIdOptions = {}) =>
  parseShape(value, 'member', options) as MemberId;
export const parseSubsystemId = (value: string, options: XRoadIdOptions = {}) =>
  parseShape(value, 'subsystem', options) as SubsystemId;
export const parseClientId = (value: string, options: XRoadIdOptions = {}) =>
  parseShape(value, 'client', options) as ClientId;
export const parseServiceId = (value: string, options: XRoadIdOptions = {}) =>
  parseShape(value, 'service', options) as ServiceId;
/** Any of the three, told apart by the number of parts. */
export const parseXRoadId = (value: string, options: XRoadIdOptions = {}) =>
  parseShape(value, 'any', options);

function partsOf(id: XRoadId): string[] {
  const parts = [id.instance, id.memberClass, id.memberCode];
  if (id.type === 'member') return parts;
  parts.push(id.subsystemCode);
  if (id.type === 'subsystem') return parts;
  parts.push(id.serviceCode);
  if (id.serviceVersion !== undefined) parts.push(id.serviceVersion);
  return parts;
}

function checkedParts(id: XRoadId): string[] {
  const parts = partsOf(id);
  const whole = parts.join('/');
  parts.forEach((text, i) => {
    checkPart(PART_ORDER[i]!, text, whole);
  });
  return parts;
}

/** The slash form, e.g. `VN/GOV/000.00.00.G01/civil-status`. */
export function formatXRoadId(id: XRoadId): string {
  return checkedParts(id).join('/');
}

// Only unreserved characters stay literal; `'` `(` `)` `+` `,` `=` `?` are escaped even where
// RFC 3986 would allow some of them, so that no router or proxy can reinterpret them.
function encodePart(text: string): string {
  return text.replace(
    /[^A-Za-z0-9\-.]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

/**
 * Percent-encoded path segments joined by `/`, without a leading slash: the caller prefixes
 * `/r1/`. The REST protocol carries no service version in the path, so gateways pass only the
 * identifier segments of a request path to `decodeXRoadPathSegments`.
 */
export function encodeXRoadPath(id: XRoadId): string {
  return checkedParts(id).map(encodePart).join('/');
}

export function decodeXRoadPathSegments(segments: readonly string[], options: XRoadIdOptions = {}): XRoadId {
  const whole = segments.join('/');
  const parts = segments.map((segment, i) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      const part = PART_ORDER[i] ?? 'value';
      throw fail(whole, part, `X-Road path "${whole}": segment "${segment}" has malformed percent-encoding.`);
    }
  });
  return fromParts(parts, parts.join('/'), 'any', options);
}

export function sameXRoadId(a: XRoadId, b: XRoadId): boolean {
  if (a.type !== b.type) return false;
  const pa = partsOf(a);
  const pb = partsOf(b);
  return pa.length === pb.length && pa.every((p, i) => p === pb[i]);
}
