/**
 * Personal identification numbers (số định danh cá nhân, the number on the CCCD card):
 * 12 digits = province of birth registration (3) + century/gender (1) + birth year (2) + random (6).
 * Digit 4 is 0/1 for 1900s male/female, 2/3 for 2000s, … up to 8/9 for 2300s.
 *
 * Error details never carry the full number: it is personal data, and errors end up in logs.
 */

import { badInput } from '../errors.ts';
import { PROVINCE_NAMES } from './provinces.ts';

const INVALID = 'ids.invalid_personal_id';
const MISMATCH = 'ids.personal_id_mismatch';

export type Gender = 'male' | 'female';
export type Century = 1900 | 2000 | 2100 | 2200 | 2300;

export const FIRST_ENCODABLE_YEAR = 1900;
export const LAST_ENCODABLE_YEAR = 2399;

export interface PersonalId {
  readonly raw: string;
  readonly provinceCode: string;
  readonly provinceName: string;
  /** First year of the birth century: 1900 for someone born in 1987. */
  readonly century: Century;
  readonly gender: Gender;
  readonly birthYear: number;
  /** Digits 5–6 as written, e.g. `'03'`. */
  readonly birthYearTwoDigits: string;
  /** Digits 7–12. */
  readonly random: string;
}

export interface PersonalIdOptions {
  /** Known province codes (code → name). Default: the 63 provinces in `provinces.ts`. */
  readonly provinces?: Readonly<Record<string, string>>;
}

export interface PersonalIdParts {
  readonly provinceCode: string;
  readonly birthYear: number;
  readonly gender: Gender;
  /** Six digits; a string so leading zeros survive. */
  readonly random: string;
}

/** Shows only the last 3 characters; shorter inputs are masked entirely. */
export function maskPersonalId(value: string): string {
  const s = String(value);
  if (s.length <= 3) return '*'.repeat(s.length);
  return '*'.repeat(s.length - 3) + s.slice(-3);
}

const invalid = (value: unknown, part: string, message: string) =>
  badInput(INVALID, message, { value: maskPersonalId(String(value)), part });

// Facts given to formatPersonalId are not a whole number, so they are shown as given.
const invalidPart = (value: unknown, part: string, message: string) =>
  badInput(INVALID, message, { value, part });

const DIGIT_GROUPS: ReadonlyArray<readonly [part: string, from: number, to: number, label: string]> = [
  ['province', 0, 3, 'digits 1–3 (province code)'],
  ['century_gender', 3, 4, 'digit 4 (century and gender)'],
  ['birth_year', 4, 6, 'digits 5–6 (birth year)'],
  ['random', 6, 12, 'digits 7–12 (random number)'],
];

function provinceTable(options: PersonalIdOptions): Readonly<Record<string, string>> {
  return options.provinces ?? PROVINCE_NAMES;
}

export function parsePersonalId(value: string, options: PersonalIdOptions = {}): PersonalId {
  if (typeof value !== 'string') {
    throw invalid(value, 'value', `A personal identification number must be a string, got ${typeof value}.`);
  }
  if (value.length !== 12) {
    throw invalid(
      value,
      'length',
      `A personal identification number has exactly 12 digits; this one has ${value.length} characters.`,
    );
  }
  for (const [part, from, to, label] of DIGIT_GROUPS) {
    if (!/^\d+$/.test(value.slice(from, to))) {
      throw invalid(value, part, `Personal identification number: ${label} must be digits only.`);
    }
  }
  const provinceCode = value.slice(0, 3);
  const provinces = provinceTable(options);
  if (!Object.hasOwn(provinces, provinceCode)) {
    throw invalid(
      value,
      'province',
      `Personal identification number: digits 1–3 "${provinceCode}" are not a known province code ` +
        '(001 Hà Nội … 096 Cà Mau); check the first three digits.',
    );
  }
  const d4 = Number(value[3]);
  const century = (1900 + Math.floor(d4 / 2) * 100) as Century;
  const birthYearTwoDigits = value.slice(4, 6);
  return Object.freeze({
    raw: value,
    provinceCode,
    provinceName: provinces[provinceCode]!,
    century,
    gender: d4 % 2 === 0 ? 'male' : 'female',
    birthYear: century + Number(birthYearTwoDigits),
    birthYearTwoDigits,
    random: value.slice(6),
  });
}

export function isValidPersonalId(value: string, options: PersonalIdOptions = {}): boolean {
  try {
    parsePersonalId(value, options);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks the number against facts stated elsewhere (a form, a birth certificate) and returns
 * it parsed. Either fact may be omitted; both are reported when both contradict the number.
 */
export function checkPersonalId(
  id: string | PersonalId,
  stated: { readonly birthYear?: number; readonly gender?: Gender },
  options: PersonalIdOptions = {},
): PersonalId {
  const parsed = typeof id === 'string' ? parsePersonalId(id, options) : id;
  const problems: string[] = [];
  const mismatched: string[] = [];
  if (stated.birthYear !== undefined && stated.birthYear !== parsed.birthYear) {
    mismatched.push('birth_year');
    problems.push(
      `it encodes birth year ${parsed.birthYear} but the stated birth year is ${stated.birthYear}`,
    );
  }
  if (stated.gender !== undefined && stated.gender !== parsed.gender) {
    mismatched.push('gender');
    problems.push(`it encodes gender ${parsed.gender} but the stated gender is ${stated.gender}`);
  }
  if (problems.length > 0) {
    throw badInput(
      MISMATCH,
      `Personal identification number ${maskPersonalId(parsed.raw)} contradicts the stated facts: ` +
        `${problems.join('; ')}. Correct either the number or the stated facts.`,
      {
        value: maskPersonalId(parsed.raw),
        parts: mismatched,
        encoded: { birthYear: parsed.birthYear, gender: parsed.gender },
        stated,
      },
    );
  }
  return parsed;
}

/** Builds a number from its facts, e.g. when a civil-status officer registers a birth. */
export function formatPersonalId(parts: PersonalIdParts, options: PersonalIdOptions = {}): string {
  const { provinceCode, birthYear, gender, random } = parts;
  if (typeof provinceCode !== 'string' || !/^\d{3}$/.test(provinceCode)) {
    throw invalidPart(provinceCode, 'province', `Province code must be 3 digits, got "${provinceCode}".`);
  }
  if (!Object.hasOwn(provinceTable(options), provinceCode)) {
    throw invalidPart(
      provinceCode,
      'province',
      `Province code "${provinceCode}" is not a known province code.`,
    );
  }
  if (!Number.isInteger(birthYear) || birthYear < FIRST_ENCODABLE_YEAR || birthYear > LAST_ENCODABLE_YEAR) {
    throw invalidPart(
      birthYear,
      'birth_year',
      `Birth year must be a whole year from ${FIRST_ENCODABLE_YEAR} to ${LAST_ENCODABLE_YEAR} ` +
        `(digit 4 cannot encode others), got ${birthYear}.`,
    );
  }
  if (gender !== 'male' && gender !== 'female') {
    throw invalidPart(gender, 'century_gender', `Gender must be "male" or "female", got "${gender}".`);
  }
  if (typeof random !== 'string' || !/^\d{6}$/.test(random)) {
    throw invalid(
      String(random),
      'random',
      'The random part (digits 7–12) must be a string of exactly 6 digits.',
    );
  }
  const centuryIndex = Math.floor((birthYear - 1900) / 100);
  const d4 = centuryIndex * 2 + (gender === 'female' ? 1 : 0);
  const yy = String(birthYear % 100).padStart(2, '0');
  return `${provinceCode}${d4}${yy}${random}`;
}
