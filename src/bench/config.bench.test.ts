import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '../../test/support/database.ts';
import { configBenchRows, runConfigBench } from './config.bench.ts';
import { formatTable } from './report.ts';

describe('runConfigBench', () => {
  it('builds, signs and verifies a configuration of the size asked for', async () => {
    const url = testDatabaseUrl();
    const progress = new Map<string, [number, number]>();
    const r = await runConfigBench({
      members: 200,
      services: 1000,
      databaseUrl: url ?? undefined,
      onProgress: (phase, done, total) => progress.set(phase, [done, total]),
    });

    // The counts are read back from the document the gateway side verified, so they also
    // prove that the signed document verifies against the anchor.
    expect(r.members).toBe(200);
    expect(r.services).toBe(1000);
    expect(r.accessRights).toBe(1000);
    expect(r.gateways).toBeGreaterThan(0);
    expect(r.gateways).toBeLessThan(r.members);
    expect(r.database).toBe(url ? 'postgres' : 'pglite');
    expect(r.runs).toBe(3);

    expect(r.documentBytes).toBeGreaterThan(0);
    expect(r.documentGzipBytes).toBeGreaterThan(0);
    expect(r.documentGzipBytes).toBeLessThan(r.documentBytes);
    for (const ms of [r.populateMs, r.buildMs, r.signMs, r.buildAndSignMs, r.verifyAndLoadMs]) {
      expect(Number.isFinite(ms)).toBe(true);
      expect(ms).toBeGreaterThanOrEqual(0);
    }
    expect(r.peakRssMb).toBeGreaterThan(0);
    expect(r.machine.cores).toBeGreaterThan(0);
    expect(r.machine.node).toBe(process.version);

    expect(progress.get('members')).toEqual([200, 200]);
    expect(progress.get('services')).toEqual([1000, 1000]);
    expect(progress.get('measure')).toEqual([4, 4]);

    const table = formatTable(configBenchRows(r));
    expect(table).toMatch(/^Members {2,}200$/m);
    expect(table).toMatch(/^Access rights {2,}1,000$/m);

    if (url) {
      // The bench leaves nothing behind on a shared server.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const left = await client.query(
          "select schema_name from information_schema.schemata where schema_name like 'bench_config_%'",
        );
        expect(left.rows).toEqual([]);
      } finally {
        await client.end();
      }
    }
  }, 180_000);

  it('refuses sizes it cannot generate, naming the option and the range', async () => {
    await expect(runConfigBench({ members: 0, services: 10 })).rejects.toMatchObject({
      code: 'bench.invalid_members',
      message: expect.stringContaining('members must be a whole number from 1'),
    });
    await expect(runConfigBench({ members: 10, services: 1.5 })).rejects.toMatchObject({
      code: 'bench.invalid_services',
    });
  });
});

describe('formatTable', () => {
  it('aligns the values on the widest label, counting Vietnamese letters as one column', () => {
    const table = formatTable([
      ['Tỉnh', 'Quảng Ninh'],
      ['Build + sign', '812.0 ms'],
      ['Empty', ''],
    ]);
    expect(table.split('\n')).toEqual(['Tỉnh          Quảng Ninh', 'Build + sign  812.0 ms', 'Empty']);
  });

  it('prints nothing for no rows', () => {
    expect(formatTable([])).toBe('');
  });
});
