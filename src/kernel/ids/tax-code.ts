/**
 * Enterprise tax codes (mã số thuế), which identify enterprises where agencies use electronic
 * agency codes: 10 digits, or 10 digits + `-` + 3 digits for a dependent unit (branch).
 *
 * Digit 10 is a check digit over digits 1–9 with weights 31, 29, 23, 19, 17, 13, 7, 5, 3:
 * check = 10 − (Σ weightᵢ·digitᵢ mod 11). When that comes out as 10 the base number is never
 * issued. This is the rule python-stdnum's `vn.mst` implements; it agrees with published codes
 * such as 0100233488. Digits 3–9 are a sequence number and are never all zero; branch `000`
 * is never issued either.
 */

import { badInput } from '../errors.ts';

const CODE = 'ids.invalid_tax_code';
const WEIGHTS = [31, 29, 23, 19, 17, 13, 7, 5, 3] as const;
const SHAPE = /^(\d{10})(?:-(\d{3}))?$/;

export interface TaxCode {
  readonly raw: string;
  /** The enterprise's 10-digit number (shared by its branches). */
  readonly base: string;
  /** The 3-digit dependent-unit suffix, or null for the enterprise itself. */
  readonly branch: string | null;
}

export interface TaxCodeOptions {
  /** Verify digit 10. Default true; turn off only for test data made up by hand. */
  readonly checkDigit?: boolean;
}

const fail = (value: unknown, part: string, message: string) =>
  badInput(CODE, message, { value: typeof value === 'string' ? value : String(value), part });

/** The check digit for the first 9 digits, or null when no valid number can start with them. */
export function taxCodeCheckDigit(firstNine: string): string | null {
  if (!/^\d{9}$/.test(firstNine)) {
    throw fail(firstNine, 'base', `Tax code check digit needs exactly 9 digits, got "${firstNine}".`);
  }
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += WEIGHTS[i]! * Number(firstNine[i]);
  const check = 10 - (sum % 11);
  return check === 10 ? null : String(check);
}

export function parseTaxCode(value: string, options: TaxCodeOptions = {}): TaxCode {
  if (typeof value !== 'string')
    throw fail(value, 'value', `A tax code must be a string, got ${typeof value}.`);
  const m = SHAPE.exec(value);
  if (!m) {
    throw fail(
      value,
      'format',
      `Tax code "${value}" must be 10 digits, or 10 digits, a hyphen and a 3-digit branch number (0100233488-001).`,
    );
  }
  const base = m[1]!;
  const branch = m[2] ?? null;
  if (base.slice(2, 9) === '0000000') {
    throw fail(
      value,
      'sequence',
      `Tax code "${value}": digits 3–9 (the sequence number) cannot all be zero.`,
    );
  }
  if (branch === '000') {
    throw fail(
      value,
      'branch',
      `Tax code "${value}": branch number 000 is never issued; branches start at 001.`,
    );
  }
  if (options.checkDigit !== false) {
    const expected = taxCodeCheckDigit(base.slice(0, 9));
    if (expected === null) {
      throw fail(
        value,
        'check_digit',
        `Tax code "${value}": no valid tax code starts with ${base.slice(0, 9)}.`,
      );
    }
    if (base[9] !== expected) {
      throw fail(
        value,
        'check_digit',
        `Tax code "${value}": check digit (digit 10) is ${base[9]} but digits 1–9 require ${expected}; ` +
          'check the number for a typing error.',
      );
    }
  }
  return Object.freeze({ raw: value, base, branch });
}

export function isValidTaxCode(value: string, options: TaxCodeOptions = {}): boolean {
  try {
    parseTaxCode(value, options);
    return true;
  } catch {
    return false;
  }
}

export function formatTaxCode(
  parts: { base: string; branch?: string | null },
  options: TaxCodeOptions = {},
): string {
  const raw = parts.branch ? `${parts.base}-${parts.branch}` : parts.base;
  parseTaxCode(raw, options);
  return raw;
}
