import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import { formatAgencyCode } from './agency-code.ts';
import {
  decodeXRoadPathSegments,
  encodeXRoadPath,
  formatXRoadId,
  parseClientId,
  parseServiceId,
  parseXRoadId,
  sameXRoadId,
  type XRoadId,
} from './xroad-id.ts';

function rejection(fn: () => unknown): { code: string; part: unknown } | undefined {
  try {
    fn();
  } catch (err) {
    if (isAppError(err)) return { code: err.code, part: err.details?.['part'] };
    throw err;
  }
  return undefined;
}

const ALLOWED = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', ..."'()+,-.=?"];
const part = fc
  .string({ unit: fc.constantFrom(...ALLOWED), minLength: 1, maxLength: 12 })
  .filter((p) => p !== '.' && p !== '..');
const PART_NAMES = [
  'instance',
  'memberClass',
  'memberCode',
  'subsystemCode',
  'serviceCode',
  'serviceVersion',
];

const partsList = fc.integer({ min: 3, max: 6 }).chain((n) => fc.array(part, { minLength: n, maxLength: n }));
// Arbitrary parts are not in the default instance/class lists nor real agency codes.
const looseOptions = (parts: readonly string[]) => ({
  instances: [parts[0]!],
  memberClasses: [parts[1]!],
  strictMemberCodes: false,
});

const DISALLOWED = [
  ' ',
  '#',
  '%',
  ':',
  ';',
  '@',
  '!',
  '*',
  '&',
  '_',
  '~',
  '"',
  '\\',
  'ö',
  'Đ',
  '\t',
  '\u0000',
];
const disallowedInText = fc.constantFrom(...DISALLOWED);
const disallowed = fc.constantFrom('/', ...DISALLOWED);

describe('X-Road identifiers (properties)', () => {
  it('format then parse is the identity for any allowed-character parts', () => {
    fc.assert(
      fc.property(partsList, (parts) => {
        const s = parts.join('/');
        const id = parseXRoadId(s, looseOptions(parts));
        expect(id.type).toBe(parts.length === 3 ? 'member' : parts.length === 4 ? 'subsystem' : 'service');
        expect(formatXRoadId(id)).toBe(s);
        expect(sameXRoadId(parseXRoadId(formatXRoadId(id), looseOptions(parts)), id)).toBe(true);
      }),
    );
  });

  it('path encoding uses only unreserved characters and decodes back', () => {
    fc.assert(
      fc.property(partsList, (parts) => {
        const id: XRoadId = parseXRoadId(parts.join('/'), looseOptions(parts));
        const path = encodeXRoadPath(id);
        expect(path).toMatch(/^[A-Za-z0-9.\-%/]+$/);
        const segments = path.split('/');
        expect(segments).toHaveLength(parts.length);
        const back = decodeXRoadPathSegments(segments, looseOptions(parts));
        expect(back).toEqual(id);
      }),
    );
  });

  it('strict GOV identifiers with real agency codes round-trip through paths', () => {
    const agency = fc
      .record({
        letter: fc.constantFrom('G', 'H', 'K'),
        number: fc.integer({ min: 0, max: 99 }),
        level2: fc.integer({ min: 0, max: 99 }),
      })
      .map(({ letter, number, level2 }) => formatAgencyCode({ level1: { letter, number }, level2 }));
    fc.assert(
      fc.property(agency, part, part, (code, sub, svc) => {
        const id = parseServiceId(`VN/GOV/${code}/${sub}/${svc}`);
        expect(sameXRoadId(decodeXRoadPathSegments(encodeXRoadPath(id).split('/')), id)).toBe(true);
      }),
    );
  });

  it('rejects a disallowed character in any part, naming that part', () => {
    fc.assert(
      // A literal slash would split the part instead; the decoding property covers `%2F`.
      fc.property(partsList, disallowedInText, fc.nat(), fc.nat(), (parts, ch, which, at) => {
        const k = which % parts.length;
        const p = parts[k]!;
        const i = at % (p.length + 1);
        const broken = parts.map((x, j) => (j === k ? p.slice(0, i) + ch + p.slice(i) : x));
        expect(rejection(() => parseXRoadId(broken.join('/'), looseOptions(broken)))).toEqual({
          code: 'ids.invalid_xroad_id',
          part: PART_NAMES[k],
        });
      }),
    );
  });

  it('rejects path segments that decode to a disallowed character', () => {
    fc.assert(
      fc.property(partsList, disallowed, fc.nat(), (parts, ch, which) => {
        const k = which % parts.length;
        const segments = parts.map((x, j) => (j === k ? x + encodeURIComponent(ch) : encodeURIComponent(x)));
        expect(rejection(() => decodeXRoadPathSegments(segments, looseOptions(parts)))).toEqual({
          code: 'ids.invalid_xroad_id',
          part: PART_NAMES[k],
        });
      }),
    );
  });

  it('rejects an empty part, naming it', () => {
    fc.assert(
      fc.property(partsList, fc.nat(), (parts, which) => {
        const k = which % parts.length;
        const broken = parts.map((x, j) => (j === k ? '' : x));
        expect(rejection(() => parseXRoadId(broken.join('/'), looseOptions(parts)))).toEqual({
          code: 'ids.invalid_xroad_id',
          part: PART_NAMES[k],
        });
      }),
    );
  });

  it('rejects too many or too few parts', () => {
    fc.assert(
      fc.property(fc.array(part, { minLength: 0, maxLength: 12 }), (parts) => {
        const s = parts.join('/');
        const opts = looseOptions(parts.length >= 2 ? parts : ['VN', 'GOV']);
        if (parts.length < 3 || parts.length > 6) {
          expect(rejection(() => parseXRoadId(s, opts))?.code).toBe('ids.invalid_xroad_id');
        }
        if (parts.length !== 3 && parts.length !== 4) {
          expect(rejection(() => parseClientId(s, opts))?.code).toBe('ids.invalid_xroad_id');
        }
        if (parts.length !== 5 && parts.length !== 6) {
          expect(rejection(() => parseServiceId(s, opts))?.code).toBe('ids.invalid_xroad_id');
        }
      }),
    );
  });
});
