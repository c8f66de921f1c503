import { isAppError } from '../kernel/errors.ts';

/** Prints rows as an aligned text table (or JSON with --json). */
export function printTable(rows: Record<string, unknown>[], columns: string[]): void {
  if (rows.length === 0) {
    process.stdout.write('(không có dữ liệu — nothing found)\n');
    return;
  }
  const cells = rows.map((r) => columns.map((c) => format(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => width(row[i]!))));
  const line = (values: string[]) =>
    values
      .map((v, i) => v + ' '.repeat(widths[i]! - width(v)))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(columns)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const row of cells) process.stdout.write(`${line(row)}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function format(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return v.map(format).join(', ');
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o['method'] === 'string' && typeof o['path'] === 'string')
      return `${o['method']} ${o['path']}`;
    if (o['type'] === 'group') return `group:${String(o['code'])}`;
    if (o['type'] === 'subsystem' && typeof o['id'] === 'string') return o['id'];
    if (typeof o['name'] === 'string' && typeof o['role'] === 'string') return `${o['name']} (${o['role']})`;
    return JSON.stringify(v);
  }
  return String(v);
}

// Vietnamese text is NFC: one code point per visible letter, so length is the display width.
function width(s: string): number {
  return [...s.normalize('NFC')].length;
}

/** The one place CLI failures become a message and an exit code. */
export function reportError(err: unknown): number {
  if (isAppError(err)) {
    process.stderr.write(`Lỗi / error [${err.code}]: ${err.message}\n`);
    const hint = HINTS[err.code] ?? (err.code.startsWith('auth.') ? HINTS['auth.*'] : undefined);
    if (hint) process.stderr.write(`→ ${hint}\n`);
    return err.category === 'bad_input' ? 2 : 1;
  }
  process.stderr.write(`Lỗi / error: ${(err as Error)?.stack ?? String(err)}\n`);
  return 1;
}

const HINTS: Record<string, string> = {
  'cli.unreachable': 'Is the registry running? Start it with `lienthong up`, or pass --registry-url.',
  'auth.*':
    'Pass an API key with --api-key or LIENTHONG_API_KEY (the demo writes one to .data/operator-key.txt).',
  'db.unreachable': 'Check DATABASE_URL, or leave it unset to use the embedded database.',
  'db.open_failed': 'Another lienthong process may be using this data directory: stop it, or use --data-dir.',
};
