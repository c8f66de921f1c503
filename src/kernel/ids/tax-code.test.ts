import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AppError, isAppError } from '../errors.ts';
import { formatTaxCode, isValidTaxCode, parseTaxCode, taxCodeCheckDigit } from './tax-code.ts';

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

describe('parseTaxCode', () => {
  it('reads published enterprise and branch codes', () => {
    expect(parseTaxCode('0100233488')).toEqual({ raw: '0100233488', base: '0100233488', branch: null });
    expect(parseTaxCode('0314409058-002')).toEqual({
      raw: '0314409058-002',
      base: '0314409058',
      branch: '002',
    });
    expect(taxCodeCheckDigit('010023348')).toBe('8');
  });

  it('rejects a wrong check digit unless checking is turned off', () => {
    const err = errorOf(() => parseTaxCode('0100233480'));
    expect(err.code).toBe('ids.invalid_tax_code');
    expect(err.details).toEqual({ value: '0100233480', part: 'check_digit' });
    expect(err.message).toContain('require 8');
    expect(parseTaxCode('0100233480', { checkDigit: false }).base).toBe('0100233480');
  });

  it('rejects prefixes for which no check digit exists', () => {
    expect(taxCodeCheckDigit('100000008')).toBeNull();
    expect(errorOf(() => parseTaxCode('1000000080')).details).toMatchObject({ part: 'check_digit' });
  });

  it('rejects the wrong shape, a zero sequence and branch 000', () => {
    for (const bad of [
      '0314409058002',
      '031440905',
      '0314409058-02',
      '0314409058 002',
      'MST0100233488',
      '',
    ]) {
      expect(errorOf(() => parseTaxCode(bad)).details).toMatchObject({ part: 'format' });
    }
    expect(errorOf(() => parseTaxCode('0100000000')).details).toMatchObject({ part: 'sequence' });
    expect(errorOf(() => parseTaxCode('0314409058-000')).details).toMatchObject({ part: 'branch' });
    expect(isValidTaxCode('0314409058-000')).toBe(false);
  });

  it('formats base and branch', () => {
    expect(formatTaxCode({ base: '0314409058', branch: '002' })).toBe('0314409058-002');
    expect(formatTaxCode({ base: '0100233488' })).toBe('0100233488');
  });

  it('accepts exactly one check digit for every 9-digit prefix with a non-zero sequence', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{9}$/), (prefix) => {
        fc.pre(prefix.slice(2) !== '0000000');
        const check = taxCodeCheckDigit(prefix);
        const accepted = [...'0123456789'].filter((d) => isValidTaxCode(prefix + d));
        expect(accepted).toEqual(check === null ? [] : [check]);
      }),
    );
  });
});
