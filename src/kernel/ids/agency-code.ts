/**
 * Electronic identifiers of agencies (mã định danh điện tử của cơ quan, tổ chức).
 *
 * Two forms are accepted:
 * - QCVN 102:2016/BTTTT: `V1V2V3.Z1Z2.Y1Y2.X1X2X3`, read right to left from the top level
 *   (X = level 1: group letter + 2 digits; Y = level 2; Z = level 3; V = level 4, 3 digits).
 * - Decision 20/2020/QĐ-TTg general form: up to 35 characters, dot-separated non-empty groups
 *   of digits and upper-case ASCII letters. It has no known level structure, so general codes
 *   have no structural parent.
 */

import { badInput } from '../errors.ts';

const CODE = 'ids.invalid_agency_code';
export const AGENCY_CODE_MAX_LENGTH = 35;

/**
 * Level-1 group letters. G, H and K are confirmed by published codes. The others are
 * *unverified*: inferred from the order in which QCVN 102:2016 lists the level-1 groups
 * (Party, State President, National Assembly, Court, Procuracy, State Audit, Government —
 * G being the seventh letter). Callers extend or replace this record through options.
 */
export const DEFAULT_GROUP_LETTERS: Readonly<Record<string, string>> = Object.freeze({
  G: 'Government bodies (ministries, ministerial-level agencies, agencies under the Government)',
  H: "Provincial People's Committees",
  K: "Provincial People's Councils",
  // Unverified, see above.
  A: 'Communist Party central bodies (unverified)',
  B: 'Office of the State President (unverified)',
  C: 'National Assembly bodies (unverified)',
  D: "Supreme People's Court (unverified)",
  E: "Supreme People's Procuracy (unverified)",
  F: 'State Audit Office (unverified)',
});

export interface AgencyCodeOptions {
  /** Allowed level-1 group letters (letter → description). Default `DEFAULT_GROUP_LETTERS`. */
  readonly groupLetters?: Readonly<Record<string, string>>;
}

export type AgencyDepth = 1 | 2 | 3 | 4;

/** Digit groups stay strings so leading zeros survive a parse → format round trip. */
export interface QcvnAgencyCode {
  readonly form: 'qcvn102';
  readonly raw: string;
  readonly level1: { readonly letter: string; readonly number: string };
  readonly level2: string;
  readonly level3: string;
  readonly level4: string;
  /** The deepest non-zero level: 1 for `000.00.00.H49`, 2 for `000.00.12.H49`. */
  readonly depth: AgencyDepth;
}

export interface GeneralAgencyCode {
  readonly form: 'general';
  readonly raw: string;
  readonly groups: readonly string[];
}

export type AgencyCode = QcvnAgencyCode | GeneralAgencyCode;

export interface QcvnAgencyParts {
  readonly level1: { readonly letter: string; readonly number: string | number };
  readonly level2?: string | number;
  readonly level3?: string | number;
  readonly level4?: string | number;
}

export type AgencyCodeParts = QcvnAgencyParts | { readonly groups: readonly string[] };

const QCVN_PATTERN = /^(\d{3})\.(\d{2})\.(\d{2})\.([A-Z])(\d{2})$/;
// Four groups, the first three all digits and the last a letter then digits: someone meant a
// QCVN code. Reading such a string as a general code would let a typo like `000.00.00.G1` pass.
const QCVN_LOOKALIKE = /^\d+\.\d+\.\d+\.[A-Z]\d*$/;
const GENERAL_GROUP = /^[0-9A-Z]+$/;

const fail = (value: unknown, part: string, message: string) =>
  badInput(CODE, message, { value: typeof value === 'string' ? value : String(value), part });

function describeLetters(letters: Readonly<Record<string, string>>): string {
  return Object.keys(letters).sort().join(', ');
}

function depthOf(level2: string, level3: string, level4: string): AgencyDepth {
  if (Number(level4) !== 0) return 4;
  if (Number(level3) !== 0) return 3;
  if (Number(level2) !== 0) return 2;
  return 1;
}

function parseQcvn(value: string, options: AgencyCodeOptions): QcvnAgencyCode {
  const letters = options.groupLetters ?? DEFAULT_GROUP_LETTERS;
  const m = QCVN_PATTERN.exec(value);
  if (!m) {
    const [v, z, y, x] = value.split('.') as [string, string, string, string];
    const rules: Array<[string, string, boolean]> = [
      ['level4', 'the first group (level 4, V1V2V3) must be exactly 3 digits', v.length === 3],
      ['level3', 'the second group (level 3, Z1Z2) must be exactly 2 digits', z.length === 2],
      ['level2', 'the third group (level 2, Y1Y2) must be exactly 2 digits', y.length === 2],
      [
        'level1',
        'the fourth group (level 1, X1X2X3) must be one group letter and exactly 2 digits',
        x.length === 3,
      ],
    ];
    const broken = rules.find(([, , ok]) => !ok) ?? rules[3]!;
    throw fail(value, broken[0], `Agency code "${value}" looks like a QCVN 102 code but ${broken[1]}.`);
  }
  const [, level4, level3, level2, letter, number] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!Object.hasOwn(letters, letter)) {
    throw fail(
      value,
      'level1',
      `Agency code "${value}": level-1 group letter "${letter}" is not a known agency group; ` +
        `use one of ${describeLetters(letters)} or register the letter in the groupLetters option.`,
    );
  }
  return Object.freeze({
    form: 'qcvn102',
    raw: value,
    level1: Object.freeze({ letter, number }),
    level2,
    level3,
    level4,
    depth: depthOf(level2, level3, level4),
  });
}

function parseGeneral(value: string): GeneralAgencyCode {
  const groups = value.split('.');
  groups.forEach((group, i) => {
    const name = `group ${i + 1}`;
    if (group.length === 0) {
      throw fail(
        value,
        name,
        `Agency code "${value}": ${name} is empty; groups are separated by single dots.`,
      );
    }
    if (!GENERAL_GROUP.test(group)) {
      const bad = [...group].find((c) => !/[0-9A-Z]/.test(c));
      throw fail(
        value,
        name,
        `Agency code "${value}": ${name} "${group}" contains "${bad}"; ` +
          'groups may contain only digits 0-9 and upper-case letters A-Z.',
      );
    }
  });
  return Object.freeze({ form: 'general', raw: value, groups: Object.freeze(groups) });
}

export function parseAgencyCode(value: string, options: AgencyCodeOptions = {}): AgencyCode {
  if (typeof value !== 'string') {
    throw fail(value, 'value', `An agency code must be a string, got ${typeof value}.`);
  }
  if (value.length === 0) throw fail(value, 'value', 'Agency code is empty.');
  if (value.length > AGENCY_CODE_MAX_LENGTH) {
    throw fail(
      value,
      'length',
      `Agency code "${value}" is ${value.length} characters long; the maximum is ${AGENCY_CODE_MAX_LENGTH}.`,
    );
  }
  if (QCVN_LOOKALIKE.test(value)) return parseQcvn(value, options);
  return parseGeneral(value);
}

/** For callers that need the level structure: rejects general-form codes. */
export function parseQcvnAgencyCode(value: string, options: AgencyCodeOptions = {}): QcvnAgencyCode {
  const code = parseAgencyCode(value, options);
  if (code.form !== 'qcvn102') {
    throw fail(
      value,
      'value',
      `Agency code "${value}" is in the general form; a QCVN 102 code (V1V2V3.Z1Z2.Y1Y2.X1X2X3, ` +
        'e.g. 000.00.12.H49) is required here.',
    );
  }
  return code;
}

export function isValidAgencyCode(value: string, options: AgencyCodeOptions = {}): boolean {
  try {
    parseAgencyCode(value, options);
    return true;
  } catch {
    return false;
  }
}

function digits(value: string | number | undefined, width: number, part: string): string {
  const v = value ?? 0;
  const s = typeof v === 'number' ? (Number.isInteger(v) && v >= 0 ? String(v).padStart(width, '0') : '') : v;
  if (!/^\d+$/.test(s) || s.length !== width) {
    throw fail(
      v,
      part,
      `Agency code ${part} must be ${width} digits (or an integer below ${10 ** width}), got "${v}".`,
    );
  }
  return s;
}

/** Builds the canonical string and validates it with the same rules as `parseAgencyCode`. */
export function formatAgencyCode(parts: AgencyCodeParts, options: AgencyCodeOptions = {}): string {
  if ('groups' in parts) {
    const raw = parts.groups.join('.');
    parseAgencyCode(raw, options);
    return raw;
  }
  const letter = parts.level1.letter;
  if (typeof letter !== 'string' || !/^[A-Z]$/.test(letter)) {
    throw fail(
      letter,
      'level1',
      `Agency code level-1 group letter must be one upper-case letter A-Z, got "${letter}".`,
    );
  }
  const raw = [
    digits(parts.level4, 3, 'level4'),
    digits(parts.level3, 2, 'level3'),
    digits(parts.level2, 2, 'level2'),
    `${letter}${digits(parts.level1.number, 2, 'level1')}`,
  ].join('.');
  parseAgencyCode(raw, options);
  return raw;
}

function asCode(code: string | AgencyCode, options: AgencyCodeOptions): AgencyCode {
  return typeof code === 'string' ? parseAgencyCode(code, options) : code;
}

/** Zeroes the deepest non-zero level; null for a level-1 agency and for general-form codes. */
export function parentAgencyCode(code: string | AgencyCode, options: AgencyCodeOptions = {}): string | null {
  const c = asCode(code, options);
  if (c.form !== 'qcvn102' || c.depth === 1) return null;
  const zeroed = {
    level1: c.level1,
    level2: c.depth === 2 ? '00' : c.level2,
    level3: c.depth === 3 ? '00' : c.level3,
    level4: c.depth === 4 ? '000' : c.level4,
  };
  return formatAgencyCode(zeroed, options);
}

/** True when `ancestor` is a strict structural ancestor of `descendant` (QCVN form only). */
export function isStructuralAncestor(
  ancestor: string | AgencyCode,
  descendant: string | AgencyCode,
  options: AgencyCodeOptions = {},
): boolean {
  const a = asCode(ancestor, options).raw;
  let current = parentAgencyCode(descendant, options);
  while (current !== null) {
    if (current === a) return true;
    current = parentAgencyCode(current, options);
  }
  return false;
}
