import { describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '../../test/support/database.ts';
import { runGatewayBench } from './gateway.bench.ts';

describe('runGatewayBench', () => {
  it('drives load direct and through two gateway processes, then verifies both message logs', async () => {
    const url = testDatabaseUrl();
    const phases: string[] = [];
    const r = await runGatewayBench({
      concurrency: 4,
      durationMs: 1000,
      databaseUrl: url ?? undefined,
      onProgress: (phase) => phases.push(phase),
    });
    expect(r.errors).toBe(0);
    expect(r.first_error).toBeNull();
    expect(r.database).toBe(url ? 'postgres' : 'pglite (on disk)');
    for (const k of [
      'direct_rps',
      'gateway_rps',
      'ratio',
      'direct_p50_ms',
      'direct_p99_ms',
      'gateway_p50_ms',
      'gateway_p99_ms',
    ] as const) {
      expect(Number.isFinite(r[k]), k).toBe(true);
      expect(r[k], k).toBeGreaterThan(0);
    }
    expect(r.ratio).toBeCloseTo(r.gateway_rps / r.direct_rps, 2);
    // Every answered exchange left a request and a response record, all chained and sealed.
    expect(r.logs_verified).toBe(true);
    expect(r.log_records).toBeGreaterThanOrEqual(2 * Math.floor(r.gateway_rps));
    expect(r.log_records % 2).toBe(0);
    expect(phases.at(-1)).toBe('stopping');
  }, 240_000);
});
