import { describe, expect, it } from 'vitest';
import { type AppError, isAppError } from '../errors.ts';
import {
  DEFAULT_GROUP_LETTERS,
  formatAgencyCode,
  isStructuralAncestor,
  isValidAgencyCode,
  parentAgencyCode,
  parseAgencyCode,
  parseQcvnAgencyCode,
} from './agency-code.ts';

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

describe('parseAgencyCode — QCVN 102 form', () => {
  it('reads a ministry code (Ministry of Public Security)', () => {
    expect(parseAgencyCode('000.00.00.G01')).toEqual({
      form: 'qcvn102',
      raw: '000.00.00.G01',
      level1: { letter: 'G', number: '01' },
      level2: '00',
      level3: '00',
      level4: '000',
      depth: 1,
    });
  });

  it('reads a provincial committee and a unit below it', () => {
    expect(parseAgencyCode('000.00.00.H49')).toMatchObject({ form: 'qcvn102', depth: 1 });
    expect(parseAgencyCode('000.00.12.H49')).toMatchObject({ level2: '12', depth: 2 });
    expect(parseAgencyCode('000.00.00.K41')).toMatchObject({ level1: { letter: 'K', number: '41' } });
  });

  it('reports the deepest non-zero level as depth, levels being independent', () => {
    expect(parseQcvnAgencyCode('000.03.12.H49').depth).toBe(3);
    expect(parseQcvnAgencyCode('007.03.12.H49').depth).toBe(4);
    expect(parseQcvnAgencyCode('000.05.00.G01').depth).toBe(3);
  });

  it('rejects a group letter not in the table, and accepts it once registered', () => {
    const err = errorOf(() => parseAgencyCode('000.00.00.Z01'));
    expect(err.code).toBe('ids.invalid_agency_code');
    expect(err.details).toEqual({ value: '000.00.00.Z01', part: 'level1' });
    expect(err.message).toContain('"Z"');
    const groupLetters = { ...DEFAULT_GROUP_LETTERS, Z: 'test group' };
    expect(parseAgencyCode('000.00.00.Z01', { groupLetters }).form).toBe('qcvn102');
  });

  it('names the group with the wrong length when a string looks like a QCVN code', () => {
    expect(errorOf(() => parseAgencyCode('00.00.00.G01')).details).toMatchObject({ part: 'level4' });
    expect(errorOf(() => parseAgencyCode('000.0.00.G01')).details).toMatchObject({ part: 'level3' });
    expect(errorOf(() => parseAgencyCode('000.00.123.G01')).details).toMatchObject({ part: 'level2' });
    const err = errorOf(() => parseAgencyCode('000.00.00.G1'));
    expect(err.details).toMatchObject({ part: 'level1' });
    expect(err.message).toContain('exactly 2 digits');
  });
});

describe('parseAgencyCode — Decision 20/2020 general form', () => {
  it('accepts dot-separated groups of digits and upper-case letters', () => {
    expect(parseAgencyCode('G09.20')).toEqual({ form: 'general', raw: 'G09.20', groups: ['G09', '20'] });
    expect(parseAgencyCode('000.00.00.G01.001')).toMatchObject({ form: 'general' });
    expect(parseAgencyCode('ABC')).toMatchObject({ form: 'general', groups: ['ABC'] });
  });

  it('enforces the 35-character limit', () => {
    const at35 = `${'A'.repeat(17)}.${'B'.repeat(17)}`;
    expect(at35).toHaveLength(35);
    expect(parseAgencyCode(at35).form).toBe('general');
    const err = errorOf(() => parseAgencyCode(`${at35}C`));
    expect(err.details).toMatchObject({ part: 'length' });
    expect(err.message).toContain('36 characters');
  });

  it('names the offending group and character', () => {
    const lower = errorOf(() => parseAgencyCode('000.00.00.g01'));
    expect(lower.details).toEqual({ value: '000.00.00.g01', part: 'group 4' });
    expect(lower.message).toContain('contains "g"');
    expect(errorOf(() => parseAgencyCode('000..00.G01')).details).toMatchObject({ part: 'group 2' });
    expect(errorOf(() => parseAgencyCode('G01.')).details).toMatchObject({ part: 'group 2' });
    expect(errorOf(() => parseAgencyCode(' 000.00.00.G01')).details).toMatchObject({ part: 'group 1' });
    expect(errorOf(() => parseAgencyCode('')).details).toMatchObject({ part: 'value' });
  });

  it('parseQcvnAgencyCode refuses general-form codes', () => {
    expect(errorOf(() => parseQcvnAgencyCode('G09.20')).details).toEqual({ value: 'G09.20', part: 'value' });
  });

  it('isValidAgencyCode answers without throwing', () => {
    expect(isValidAgencyCode('000.00.00.G22')).toBe(true);
    expect(isValidAgencyCode('000-00-00-G22')).toBe(false);
  });
});

describe('formatAgencyCode', () => {
  it('pads numeric levels and leaves unused levels at zero', () => {
    expect(formatAgencyCode({ level1: { letter: 'H', number: 49 }, level2: 12 })).toBe('000.00.12.H49');
    expect(formatAgencyCode({ level1: { letter: 'G', number: '01' } })).toBe('000.00.00.G01');
    expect(formatAgencyCode({ level1: { letter: 'G', number: 12 }, level2: 18, level3: 3, level4: 7 })).toBe(
      '007.03.18.G12',
    );
  });

  it('formats the general form and re-validates it', () => {
    expect(formatAgencyCode({ groups: ['G09', '20'] })).toBe('G09.20');
    expect(errorOf(() => formatAgencyCode({ groups: ['G09', ''] })).details).toMatchObject({
      part: 'group 2',
    });
  });

  it('rejects out-of-range levels and bad letters, naming the level', () => {
    expect(
      errorOf(() => formatAgencyCode({ level1: { letter: 'G', number: 1 }, level2: 100 })).details,
    ).toMatchObject({ part: 'level2' });
    expect(
      errorOf(() => formatAgencyCode({ level1: { letter: 'G', number: 1 }, level4: -1 })).details,
    ).toMatchObject({
      part: 'level4',
    });
    expect(errorOf(() => formatAgencyCode({ level1: { letter: 'g', number: 1 } })).details).toMatchObject({
      part: 'level1',
    });
    expect(errorOf(() => formatAgencyCode({ level1: { letter: 'Q', number: 1 } })).code).toBe(
      'ids.invalid_agency_code',
    );
  });
});

describe('structural hierarchy', () => {
  it('zeroes the deepest non-zero level to find the parent', () => {
    expect(parentAgencyCode('000.00.12.H49')).toBe('000.00.00.H49');
    expect(parentAgencyCode('007.03.12.H49')).toBe('000.03.12.H49');
    expect(parentAgencyCode('000.05.00.G01')).toBe('000.00.00.G01');
    expect(parentAgencyCode('000.00.00.H49')).toBeNull();
    expect(parentAgencyCode('G09.20')).toBeNull();
  });

  it('walks the whole chain for ancestry, strictly', () => {
    expect(isStructuralAncestor('000.00.00.H49', '007.03.12.H49')).toBe(true);
    expect(isStructuralAncestor('000.00.12.H49', '007.03.12.H49')).toBe(true);
    expect(isStructuralAncestor('000.00.12.H49', '000.00.12.H49')).toBe(false);
    expect(isStructuralAncestor('000.00.12.H49', '000.00.00.H49')).toBe(false);
    expect(isStructuralAncestor('000.00.00.G01', '000.00.12.H49')).toBe(false);
    expect(isStructuralAncestor('000.00.00.G12', parseAgencyCode('000.00.18.G12'))).toBe(true);
  });
});
