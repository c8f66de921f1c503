import { describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '../../test/support/database.ts';
import { runDocexBench } from './docex.bench.ts';

describe('runDocexBench', () => {
  it('delivers every document to every recipient once and counts the receipts', async () => {
    const url = testDatabaseUrl();
    const phases = new Set<string>();
    const r = await runDocexBench({
      documents: 4,
      recipients: 2,
      attachmentKb: 8,
      concurrency: 2,
      databaseUrl: url ?? undefined,
      onProgress: (phase) => phases.add(phase),
    });
    expect(r.documents).toBe(4);
    expect(r.deliveries).toBe(8);
    expect(r.lost).toBe(0);
    expect(r.duplicates).toBe(0);
    expect(r.send_errors).toBe(0);
    expect(r.database).toBe(url ? 'postgres' : 'pglite (on disk)');
    for (const k of ['docs_per_s', 'receipts_per_s', 'p50_delivery_ms', 'p99_delivery_ms'] as const) {
      expect(Number.isFinite(r[k]), k).toBe(true);
      expect(r[k], k).toBeGreaterThanOrEqual(0);
    }
    expect(r.p99_delivery_ms).toBeGreaterThanOrEqual(r.p50_delivery_ms);
    expect([...phases]).toEqual(expect.arrayContaining(['sending', 'delivering and receipts', 'stopping']));
  }, 240_000);
});
