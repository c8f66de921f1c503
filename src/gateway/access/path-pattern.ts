/**
 * Endpoint path patterns of access rights, segment by segment: a literal segment, `{name}` or
 * `*` for exactly one non-empty segment, and `**` as the last segment for any rest (none too).
 * Paths are compared after percent-decoding each segment, so `/citizens/%30%30%31` is
 * `/citizens/001`; nothing ever matches across a `/`, encoded or not, and a path holding a dot
 * segment matches nothing, since the provider would resolve it to a different resource.
 */

export type PatternSegment = { kind: 'literal'; value: string } | { kind: 'one' } | { kind: 'rest' };

export interface CompiledPattern {
  readonly source: string;
  readonly segments: readonly PatternSegment[];
}

/** `'/'` → no segments; `'/a/b'` → `['a', 'b']`; `''` counts as `'/'`. */
function rawSegments(path: string): string[] {
  const p = path.startsWith('/') ? path.slice(1) : path;
  return p === '' ? [] : p.split('/');
}

function decodeLiteral(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function compilePathPattern(pattern: string): CompiledPattern {
  const raw = rawSegments(pattern);
  const segments = raw.map((s, i): PatternSegment => {
    if (s === '**' && i === raw.length - 1) return { kind: 'rest' };
    if (s === '*' || /^\{[^{}/]+\}$/.test(s)) return { kind: 'one' };
    return { kind: 'literal', value: decodeLiteral(s) };
  });
  return { source: pattern, segments };
}

/** Decoded path segments, or null when the path can match no pattern at all. */
export function splitRequestPath(path: string): string[] | null {
  const out: string[] = [];
  for (const s of rawSegments(path)) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(s);
    } catch {
      return null;
    }
    if (decoded === '.' || decoded === '..' || decoded.includes('/')) return null;
    out.push(decoded);
  }
  return out;
}

export function matchCompiled(pattern: CompiledPattern, path: readonly string[]): boolean {
  const { segments } = pattern;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg.kind === 'rest') return true;
    const actual = path[i];
    if (actual === undefined) return false;
    if (seg.kind === 'one' ? actual === '' : actual !== seg.value) return false;
  }
  return path.length === segments.length;
}

export function matchPathPattern(pattern: string, path: string): boolean {
  const segments = splitRequestPath(path);
  return segments !== null && matchCompiled(compilePathPattern(pattern), segments);
}
