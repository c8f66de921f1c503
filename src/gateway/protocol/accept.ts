/**
 * Content negotiation for gateway-raised errors (PR-REST §4.6): respect the caller's `Accept`
 * header, defaulting to JSON. Only the three types an X-Road error body comes in are candidates.
 */

export type ErrorMediaType = 'application/json' | 'application/xml' | 'text/xml';

/** In preference order when qualities tie: JSON is the protocol's default. */
const CANDIDATES: readonly ErrorMediaType[] = ['application/json', 'application/xml', 'text/xml'];

export interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/** Splits on `sep` outside double-quoted strings (parameter values may be quoted and contain it). */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '\\' && i + 1 < text.length) {
      current += c + text[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === sep && !quoted) {
      out.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  out.push(current);
  return out;
}

/** Media ranges of an `Accept` header (RFC 9110 §12.5.1); malformed ranges are ignored. */
export function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const element of splitOutsideQuotes(header, ',')) {
    const [range = '', ...params] = splitOutsideQuotes(element, ';').map((p) => p.trim());
    const slash = range.indexOf('/');
    const type = range.slice(0, slash).toLowerCase();
    const subtype = range.slice(slash + 1).toLowerCase();
    if (slash < 0 || !TOKEN.test(type) || !TOKEN.test(subtype) || (type === '*' && subtype !== '*')) continue;
    let q = 1;
    let valid = true;
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'q') continue;
      const value = param.slice(eq + 1).trim();
      if (!QVALUE.test(value)) valid = false;
      else q = Number(value);
      // Parameters after q are accept-extensions, which do not change the weight.
      break;
    }
    if (valid) ranges.push({ type, subtype, q });
  }
  return ranges;
}

/** The weight the most specific matching range gives a media type; 0 when none matches. */
function qualityOf(mediaType: string, ranges: readonly MediaRange[]): number {
  const [type, subtype] = mediaType.split('/') as [string, string];
  let best = -1;
  let q = 0;
  for (const r of ranges) {
    const specificity =
      r.type === type && r.subtype === subtype
        ? 2
        : r.type === type && r.subtype === '*'
          ? 1
          : r.type === '*'
            ? 0
            : -1;
    if (specificity > best) {
      best = specificity;
      q = r.q;
    }
  }
  return q;
}

/**
 * JSON unless the caller weighs an XML type strictly higher. Nothing acceptable at all still gets
 * JSON: an error must be delivered in some form, and X-Road does the same.
 */
export function preferredErrorMediaType(accept: string | undefined): ErrorMediaType {
  if (!accept?.trim()) return 'application/json';
  const ranges = parseAccept(accept);
  let chosen: ErrorMediaType = 'application/json';
  let chosenQ = 0;
  for (const candidate of CANDIDATES) {
    const q = qualityOf(candidate, ranges);
    if (q > chosenQ) {
      chosen = candidate;
      chosenQ = q;
    }
  }
  return chosen;
}
