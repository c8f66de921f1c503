import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import {
  DEFAULT_GROUP_LETTERS,
  formatAgencyCode,
  isStructuralAncestor,
  parentAgencyCode,
  parseAgencyCode,
  parseQcvnAgencyCode,
} from './agency-code.ts';

function rejectionCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (isAppError(err)) return err.code;
    throw err;
  }
  return undefined;
}

// Zero half the time so every depth is well represented.
const level = (max: number) => fc.oneof(fc.constant(0), fc.integer({ min: 1, max }));
const qcvnParts = fc.record({
  level1: fc.record({
    letter: fc.constantFrom(...Object.keys(DEFAULT_GROUP_LETTERS)),
    number: fc.integer({ min: 0, max: 99 }),
  }),
  level2: level(99),
  level3: level(99),
  level4: level(999),
});
const qcvnCode = qcvnParts.map((parts) => formatAgencyCode(parts));

const LOOKS_QCVN = /^\d+\.\d+\.\d+\.[A-Z]\d*$/;
const generalCode = fc
  .array(fc.stringMatching(/^[0-9A-Z]{1,8}$/), { minLength: 1, maxLength: 6 })
  .map((groups) => groups.join('.'))
  .filter((s) => s.length <= 35 && !LOOKS_QCVN.test(s));

const disallowed = fc.constantFrom(
  ' ',
  'a',
  'g',
  'z',
  '-',
  '/',
  '_',
  ',',
  'Đ',
  'ộ',
  '\n',
  '\t',
  '#',
  '\u00a0',
);

describe('agency codes (properties)', () => {
  it('format then parse recovers the parts, and the canonical string round-trips', () => {
    fc.assert(
      fc.property(qcvnParts, (parts) => {
        const s = formatAgencyCode(parts);
        const c = parseAgencyCode(s);
        if (c.form !== 'qcvn102') throw new Error(`expected qcvn102 for ${s}`);
        expect(s).toHaveLength(13);
        expect(c.level1).toEqual({
          letter: parts.level1.letter,
          number: String(parts.level1.number).padStart(2, '0'),
        });
        expect([Number(c.level2), Number(c.level3), Number(c.level4)]).toEqual([
          parts.level2,
          parts.level3,
          parts.level4,
        ]);
        const expectedDepth = parts.level4 ? 4 : parts.level3 ? 3 : parts.level2 ? 2 : 1;
        expect(c.depth).toBe(expectedDepth);
        expect(formatAgencyCode(c)).toBe(s);
      }),
    );
  });

  it('the parent chain ends at the level-1 agency, each link an ancestor', () => {
    fc.assert(
      fc.property(qcvnCode, (s) => {
        let depth = parseQcvnAgencyCode(s).depth;
        let current = s;
        for (let next = parentAgencyCode(current); next !== null; next = parentAgencyCode(current)) {
          const nextDepth = parseQcvnAgencyCode(next).depth;
          expect(nextDepth).toBeLessThan(depth);
          expect(isStructuralAncestor(next, s)).toBe(true);
          expect(isStructuralAncestor(s, next)).toBe(false);
          depth = nextDepth;
          current = next;
        }
        expect(depth).toBe(1);
        expect(current.endsWith(s.slice(-3))).toBe(true);
      }),
    );
  });

  it('general-form codes round-trip', () => {
    fc.assert(
      fc.property(generalCode, (s) => {
        const c = parseAgencyCode(s);
        expect(c).toEqual({ form: 'general', raw: s, groups: s.split('.') });
        expect(formatAgencyCode({ groups: s.split('.') })).toBe(s);
        expect(parentAgencyCode(s)).toBeNull();
      }),
    );
  });

  it('rejects any code with a disallowed character inserted', () => {
    fc.assert(
      fc.property(fc.oneof(qcvnCode, generalCode), disallowed, fc.nat(), (s, ch, at) => {
        const i = at % (s.length + 1);
        expect(rejectionCode(() => parseAgencyCode(s.slice(0, i) + ch + s.slice(i)))).toBe(
          'ids.invalid_agency_code',
        );
      }),
    );
  });

  it('rejects empty groups and codes longer than 35 characters', () => {
    fc.assert(
      fc.property(fc.oneof(qcvnCode, generalCode), fc.nat(), (s, at) => {
        const dots = [-1, ...[...s].flatMap((c, i) => (c === '.' ? [i] : [])), s.length];
        const i = dots[at % dots.length]!;
        const withEmpty = i < 0 ? `.${s}` : i >= s.length ? `${s}.` : `${s.slice(0, i)}.${s.slice(i)}`;
        expect(rejectionCode(() => parseAgencyCode(withEmpty))).toBe('ids.invalid_agency_code');
      }),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9A-Z.]{36,80}$/), (s) => {
        expect(rejectionCode(() => parseAgencyCode(s))).toBe('ids.invalid_agency_code');
      }),
    );
  });

  it('rejects a QCVN-shaped code with one group a digit too long or too short, naming that level', () => {
    const names = ['level4', 'level3', 'level2', 'level1'];
    fc.assert(
      fc.property(qcvnCode, fc.integer({ min: 0, max: 3 }), fc.boolean(), (s, g, longer) => {
        const groups = s.split('.');
        groups[g] = longer ? `${groups[g]}0` : groups[g]!.slice(0, -1);
        try {
          parseAgencyCode(groups.join('.'));
        } catch (err) {
          expect(isAppError(err) && err.code).toBe('ids.invalid_agency_code');
          expect(isAppError(err) && err.details?.['part']).toBe(names[g]);
          return;
        }
        throw new Error(`accepted ${groups.join('.')}`);
      }),
    );
  });

  it('rejects level-1 letters outside the table', () => {
    const unknown = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].filter((l) => !(l in DEFAULT_GROUP_LETTERS));
    fc.assert(
      fc.property(qcvnCode, fc.constantFrom(...unknown), (s, letter) => {
        const bad = `${s.slice(0, 10)}${letter}${s.slice(11)}`;
        expect(rejectionCode(() => parseAgencyCode(bad))).toBe('ids.invalid_agency_code');
      }),
    );
  });
});
