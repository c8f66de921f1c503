/** Value rules of QCVN 102:2016 shared by the parser, the builder and the package codec. */
import { ORGAN_ID_PATTERN, SHA256_HEX_PATTERN } from './schema.ts';

const ORGAN_ID_RE = new RegExp(ORGAN_ID_PATTERN);
const SHA256_RE = new RegExp(SHA256_HEX_PATTERN);
const DATE_RE = /^(\d{4})\/(\d{2})\/(\d{2})$/;
const TIMESTAMP_RE = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

function isCalendarDate(y: number, m: number, d: number): boolean {
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
  return d <= days;
}

/** `yyyy/MM/dd` naming a real calendar day. */
export function isEdxmlDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  return m !== null && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** `yyyy/MM/dd HH:mm:ss` naming a real instant (no leap seconds). */
export function isEdxmlTimestamp(s: string): boolean {
  const m = TIMESTAMP_RE.exec(s);
  return (
    m !== null &&
    isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])) &&
    Number(m[4]) < 24 &&
    Number(m[5]) < 60 &&
    Number(m[6]) < 60
  );
}

export function isOrganId(s: string): boolean {
  return s.length <= 35 && ORGAN_ID_RE.test(s);
}

export function isSha256Hex(s: string): boolean {
  return SHA256_RE.test(s);
}

/** Viet Nam keeps UTC+7 all year, so the official local time needs no time-zone database. */
const VIETNAM_OFFSET_MS = 7 * 3_600_000;
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The calendar day of `at` in Viet Nam, as `yyyy/MM/dd`. */
export function toEdxmlDate(at: Date): string {
  const t = new Date(at.getTime() + VIETNAM_OFFSET_MS);
  return `${pad(t.getUTCFullYear(), 4)}/${pad(t.getUTCMonth() + 1)}/${pad(t.getUTCDate())}`;
}

/** `at` in Viet Nam local time, as `yyyy/MM/dd HH:mm:ss`. */
export function toEdxmlTimestamp(at: Date): string {
  const t = new Date(at.getTime() + VIETNAM_OFFSET_MS);
  return `${toEdxmlDate(at)} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
}

export interface DocumentIdParts {
  organId: string;
  promulgationDate: string;
  /** `{number}/{notation}` */
  code: string;
}

/** `{senderOrganId},{yyyy/MM/dd},{number}/{notation}`, the identity of a document across agencies. */
export function composeDocumentId(
  organId: string,
  promulgationDate: string,
  codeNumber: string,
  codeNotation: string,
): string {
  return `${organId},${promulgationDate},${codeNumber}/${codeNotation}`;
}

/** Splits a DocumentId, or returns undefined when it is not of the standard form. */
export function splitDocumentId(id: string): DocumentIdParts | undefined {
  const first = id.indexOf(',');
  const second = first < 0 ? -1 : id.indexOf(',', first + 1);
  if (second < 0) return undefined;
  const parts = {
    organId: id.slice(0, first),
    promulgationDate: id.slice(first + 1, second),
    code: id.slice(second + 1),
  };
  const ok =
    isOrganId(parts.organId) && isEdxmlDate(parts.promulgationDate) && /^[^/]*\/.+$/s.test(parts.code);
  return ok ? parts : undefined;
}

/** `cid:abc` and `abc` name the same attachment; the manifest and the package may differ in this. */
export function bareContentId(contentId: string): string {
  return contentId.startsWith('cid:') ? contentId.slice(4) : contentId;
}

/**
 * Index of the first character XML 1.0 cannot carry (controls other than tab/LF/CR, U+FFFE/U+FFFF,
 * unpaired surrogates), or -1. Such strings cannot survive a round trip, so they are refused.
 */
export function invalidXmlCharIndex(s: string): number {
  const m = INVALID_XML_CHAR.exec(s);
  return m === null ? -1 : m.index;
}

const INVALID_XML_CHAR =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function describeChar(s: string, index: number): string {
  return `U+${(s.codePointAt(index) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}
