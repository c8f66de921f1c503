import { describe, expect, it } from 'vitest';
import { type AppError, isAppError } from '../errors.ts';
import {
  checkPersonalId,
  formatPersonalId,
  isValidPersonalId,
  maskPersonalId,
  parsePersonalId,
} from './personal-id.ts';
import { PROVINCE_NAMES, PROVINCES, provinceByCode } from './provinces.ts';

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

describe('provinces', () => {
  it('lists the 63 provincial codes once each, as 3 digits in order', () => {
    const codes = PROVINCES.map((p) => p.code);
    expect(codes).toHaveLength(63);
    expect(new Set(codes).size).toBe(63);
    expect(codes.every((c) => /^\d{3}$/.test(c))).toBe(true);
    expect([...codes].sort()).toEqual(codes);
    expect(PROVINCES.filter((p) => p.kind === 'city').map((p) => p.code)).toEqual([
      '001',
      '031',
      '048',
      '079',
      '092',
    ]);
  });

  it('uses NFC Vietnamese names', () => {
    expect(PROVINCE_NAMES['001']).toBe('Hà Nội');
    expect(PROVINCE_NAMES['079']).toBe('Thành phố Hồ Chí Minh');
    expect(PROVINCE_NAMES['022']).toBe('Quảng Ninh');
    expect(provinceByCode('096')?.name).toBe('Cà Mau');
    expect(provinceByCode('003')).toBeUndefined();
    for (const p of PROVINCES) expect(p.name).toBe(p.name.normalize('NFC'));
  });
});

describe('parsePersonalId', () => {
  it('decodes province, century, gender and birth year', () => {
    expect(parsePersonalId('001203012345')).toEqual({
      raw: '001203012345',
      provinceCode: '001',
      provinceName: 'Hà Nội',
      century: 2000,
      gender: 'male',
      birthYear: 2003,
      birthYearTwoDigits: '03',
      random: '012345',
    });
    expect(parsePersonalId('079185000001')).toMatchObject({
      provinceName: 'Thành phố Hồ Chí Minh',
      century: 1900,
      gender: 'female',
      birthYear: 1985,
    });
    expect(parsePersonalId('022300123456')).toMatchObject({ gender: 'female', birthYear: 2000 });
    expect(parsePersonalId('022899123456')).toMatchObject({ century: 2300, gender: 'male', birthYear: 2399 });
  });

  it('names the digit group that is wrong, without echoing the whole number', () => {
    const cases: Array<[string, string]> = [
      ['00120301234', 'length'],
      ['0012030123456', 'length'],
      ['0a1203012345', 'province'],
      ['001x03012345', 'century_gender'],
      ['001-03012345', 'century_gender'],
      ['00120 012345', 'birth_year'],
      ['0012030123a5', 'random'],
      ['003203012345', 'province'],
    ];
    for (const [value, part] of cases) {
      const err = errorOf(() => parsePersonalId(value));
      expect(err.code).toBe('ids.invalid_personal_id');
      expect(err.details).toEqual({ value: maskPersonalId(value), part });
      expect(err.message).not.toContain(value);
    }
    expect(errorOf(() => parsePersonalId('003203012345')).message).toContain('"003"');
  });

  it('takes a caller-supplied province table', () => {
    const provinces = { ...PROVINCE_NAMES, '999': 'Test' };
    expect(parsePersonalId('999203012345', { provinces }).provinceName).toBe('Test');
    expect(isValidPersonalId('999203012345')).toBe(false);
  });
});

describe('checkPersonalId', () => {
  it('returns the parsed number when the stated facts agree', () => {
    expect(checkPersonalId('001203012345', { birthYear: 2003, gender: 'male' }).provinceCode).toBe('001');
    expect(checkPersonalId('001203012345', { gender: 'male' }).birthYear).toBe(2003);
  });

  it('says which fact contradicts the number', () => {
    const year = errorOf(() => checkPersonalId('001203012345', { birthYear: 1903, gender: 'male' }));
    expect(year.code).toBe('ids.personal_id_mismatch');
    expect(year.message).toContain('birth year 2003');
    expect(year.message).toContain('1903');
    expect(year.details).toMatchObject({ parts: ['birth_year'], value: '*********345' });

    const gender = errorOf(() => checkPersonalId(parsePersonalId('001203012345'), { gender: 'female' }));
    expect(gender.details).toMatchObject({ parts: ['gender'] });
    expect(gender.message).toContain('gender male');

    const both = errorOf(() => checkPersonalId('001203012345', { birthYear: 2004, gender: 'female' }));
    expect(both.details).toMatchObject({ parts: ['birth_year', 'gender'] });
    expect(both.message).not.toContain('001203012345');
  });

  it('rejects a malformed number as invalid, not as a mismatch', () => {
    expect(errorOf(() => checkPersonalId('12345', { birthYear: 2003 })).code).toBe('ids.invalid_personal_id');
  });
});

describe('formatPersonalId', () => {
  it('builds a number from its facts', () => {
    expect(formatPersonalId({ provinceCode: '001', birthYear: 2003, gender: 'male', random: '012345' })).toBe(
      '001203012345',
    );
    expect(
      formatPersonalId({ provinceCode: '022', birthYear: 2025, gender: 'female', random: '000007' }),
    ).toBe('022325000007');
    expect(formatPersonalId({ provinceCode: '079', birthYear: 1900, gender: 'male', random: '999999' })).toBe(
      '079000999999',
    );
  });

  it('rejects facts the number cannot carry, naming the part', () => {
    const base = { provinceCode: '001', birthYear: 2003, gender: 'male', random: '012345' } as const;
    const cases: Array<[object, string]> = [
      [{ provinceCode: '003' }, 'province'],
      [{ provinceCode: '1' }, 'province'],
      [{ birthYear: 1899 }, 'birth_year'],
      [{ birthYear: 2400 }, 'birth_year'],
      [{ birthYear: 2003.5 }, 'birth_year'],
      [{ gender: 'other' }, 'century_gender'],
      [{ random: '12345' }, 'random'],
      [{ random: '12345a' }, 'random'],
    ];
    for (const [change, part] of cases) {
      const err = errorOf(() => formatPersonalId({ ...base, ...change } as typeof base));
      expect(err.code).toBe('ids.invalid_personal_id');
      expect(err.details).toMatchObject({ part });
    }
  });
});

describe('maskPersonalId', () => {
  it('keeps only the last three digits', () => {
    expect(maskPersonalId('001203012345')).toBe('*********345');
    expect(maskPersonalId('1234')).toBe('*234');
    expect(maskPersonalId('123')).toBe('***');
    expect(maskPersonalId('')).toBe('');
  });
});
