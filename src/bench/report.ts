import { cpus, totalmem } from 'node:os';
/**
 * Plain-text output shared by the benchmarks: a two-column table (label, value) aligned on the
 * widest label, so results read the same in a terminal, a CI log and a pasted issue.
 */
export function formatTable(rows: readonly (readonly [string, string])[]): string {
  // Code points, not UTF-16 units, so Vietnamese labels (NFC) align like ASCII ones.
  const width = Math.max(0, ...rows.map(([label]) => [...label].length));
  return rows
    .map(([label, value]) => `${label}${' '.repeat(width - [...label].length)}  ${value}`.trimEnd())
    .join('\n');
}

/** Milliseconds for humans: one decimal below 10 s, whole seconds with decimals above. */
export function formatMs(ms: number): string {
  return ms < 10_000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** The machine a benchmark ran on, as docs/benchmarks.md records it. */
export function machineInfo(): { cpu: string; cores: number; memoryGb: number; node: string } {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
