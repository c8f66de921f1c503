/**
 * Splits a SQL script into statements at top-level semicolons, leaving semicolons inside
 * quotes, dollar-quoted bodies and comments alone. Needed because the embedded database runs
 * one statement per query with parameters, while migration files hold many.
 */
export function splitSqlStatements(script: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = script.length;
  while (i < n) {
    const c = script[i]!;
    const next = script[i + 1];
    if (c === '-' && next === '-') {
      const end = script.indexOf('\n', i);
      i = end === -1 ? n : end + 1;
    } else if (c === '/' && next === '*') {
      const end = script.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
    } else if (c === "'" || c === '"') {
      i++;
      while (i < n) {
        if (script[i] === c) {
          if (script[i + 1] === c) i += 2;
          else break;
        } else i++;
      }
      i++;
    } else if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(script.slice(i));
      if (m) {
        const tag = m[0];
        const end = script.indexOf(tag, i + tag.length);
        i = end === -1 ? n : end + tag.length;
      } else i++;
    } else if (c === ';') {
      push(script.slice(start, i));
      i++;
      start = i;
    } else i++;
  }
  push(script.slice(start));
  return out;

  function push(stmt: string): void {
    const withoutComments = stmt.replace(/--[^\n]*\n?/g, '').trim();
    if (withoutComments.length > 0) out.push(stmt.trim());
  }
}
