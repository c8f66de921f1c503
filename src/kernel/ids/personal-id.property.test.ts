import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import { checkPersonalId, formatPersonalId, type Gender, parsePersonalId } from './personal-id.ts';
import { PROVINCE_NAMES, PROVINCES } from './provinces.ts';

function rejection(fn: () => unknown): { code: string; part: unknown } | undefined {
  try {
    fn();
  } catch (err) {
    if (isAppError(err)) return { code: err.code, part: err.details?.['part'] };
    throw err;
  }
  return undefined;
}

const facts = fc.record({
  provinceCode: fc.constantFrom(...PROVINCES.map((p) => p.code)),
  birthYear: fc.integer({ min: 1900, max: 2399 }),
  gender: fc.constantFrom<Gender>('male', 'female'),
  random: fc.stringMatching(/^\d{6}$/),
});
const validId = facts.map((f) => formatPersonalId(f));
const unknownProvince = fc.stringMatching(/^\d{3}$/).filter((c) => !(c in PROVINCE_NAMES));
const nonDigit = fc.constantFrom('a', 'O', ' ', '-', '.', '/', '٣', '\u00a0', 'x');

const PART_AT = ['province', 'province', 'province', 'century_gender', 'birth_year', 'birth_year'];
const partAt = (i: number) => PART_AT[i] ?? 'random';

describe('personal identification numbers (properties)', () => {
  it('numbers built from (province, year 1900–2399, gender) decode to the same facts', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const id = formatPersonalId(f);
        expect(id).toMatch(/^\d{12}$/);
        const parsed = parsePersonalId(id);
        expect(parsed).toMatchObject({
          provinceCode: f.provinceCode,
          provinceName: PROVINCE_NAMES[f.provinceCode],
          birthYear: f.birthYear,
          gender: f.gender,
          random: f.random,
          century: Math.floor(f.birthYear / 100) * 100,
        });
        expect(checkPersonalId(id, { birthYear: f.birthYear, gender: f.gender }).raw).toBe(id);
      }),
    );
  });

  it('parse then format gives back the number', () => {
    fc.assert(
      fc.property(validId, (id) => {
        expect(formatPersonalId(parsePersonalId(id))).toBe(id);
      }),
    );
  });

  it('a different stated year or gender is a mismatch', () => {
    fc.assert(
      fc.property(facts, fc.integer({ min: 1, max: 499 }), (f, shift) => {
        const id = formatPersonalId(f);
        const otherYear = 1900 + ((f.birthYear - 1900 + shift) % 500);
        const otherGender: Gender = f.gender === 'male' ? 'female' : 'male';
        expect(rejection(() => checkPersonalId(id, { birthYear: otherYear }))?.code).toBe(
          'ids.personal_id_mismatch',
        );
        expect(rejection(() => checkPersonalId(id, { gender: otherGender }))?.code).toBe(
          'ids.personal_id_mismatch',
        );
      }),
    );
  });

  it('rejects digit strings of the wrong length', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{0,30}$/).filter((s) => s.length !== 12),
        (s) => {
          expect(rejection(() => parsePersonalId(s))).toEqual({
            code: 'ids.invalid_personal_id',
            part: 'length',
          });
        },
      ),
    );
  });

  it('rejects a non-digit anywhere, naming its digit group (digit 4 included)', () => {
    fc.assert(
      fc.property(validId, nonDigit, fc.integer({ min: 0, max: 11 }), (id, ch, i) => {
        const bad = id.slice(0, i) + ch + id.slice(i + 1);
        expect(rejection(() => parsePersonalId(bad))).toEqual({
          code: 'ids.invalid_personal_id',
          part: partAt(i),
        });
      }),
    );
  });

  it('rejects unknown province codes', () => {
    fc.assert(
      fc.property(validId, unknownProvince, (id, code) => {
        expect(rejection(() => parsePersonalId(code + id.slice(3)))).toEqual({
          code: 'ids.invalid_personal_id',
          part: 'province',
        });
      }),
    );
  });

  it('refuses to build numbers for years digit 4 cannot encode', () => {
    fc.assert(
      fc.property(
        facts,
        fc.oneof(fc.integer({ min: -5000, max: 1899 }), fc.integer({ min: 2400, max: 9999 })),
        (f, year) => {
          expect(rejection(() => formatPersonalId({ ...f, birthYear: year }))).toEqual({
            code: 'ids.invalid_personal_id',
            part: 'birth_year',
          });
        },
      ),
    );
  });
});
