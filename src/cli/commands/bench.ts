import type { Command } from 'commander';
import { printJson } from '../output.ts';

/** `lienthong bench …`: measured figures for docs/benchmarks.md (never timed assertions in tests). */
export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    .description('Benchmarks: print measured figures (record them in docs/benchmarks.md)');

  bench
    .command('config')
    .description(
      'Build and sign a global configuration for a large federation; measure a gateway verifying and loading it',
    )
    .option('--members <n>', 'agencies', Number, 10_000)
    .option('--services <n>', 'services', Number, 50_000)
    .option(
      '--database-url <url>',
      'measure on this PostgreSQL server (env DATABASE_URL) instead of the embedded database',
    )
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      const { runConfigBench, configBenchRows } = await import('../../bench/config.bench.ts');
      const { formatTable } = await import('../../bench/report.ts');
      const result = await runConfigBench({
        members: o.members,
        services: o.services,
        databaseUrl: o.databaseUrl ?? process.env['DATABASE_URL'],
        onProgress: progressPrinter(),
      });
      process.stderr.write('\n');
      if (o.json) printJson(result);
      else process.stdout.write(`${formatTable(configBenchRows(result))}\n`);
    });

  bench
    .command('gateway')
    .description(
      'Drive the same load straight at a backend and through two gateways (mTLS, signing, durable log)',
    )
    .option('--concurrency <n>', 'concurrent callers', Number, 16)
    .option('--seconds <n>', 'measured seconds per phase', Number, 10)
    .option('--database-url <url>', 'keep the message logs on this PostgreSQL server (env DATABASE_URL)')
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      const { runGatewayBench } = await import('../../bench/gateway.bench.ts');
      const { formatTable } = await import('../../bench/report.ts');
      const r = await runGatewayBench({
        concurrency: o.concurrency,
        durationMs: o.seconds * 1000,
        databaseUrl: o.databaseUrl ?? process.env['DATABASE_URL'],
        onProgress: (phase) => process.stderr.write(`… ${phase}\n`),
      });
      if (o.json) return printJson(r);
      process.stdout.write(
        `${formatTable([
          [
            'Machine',
            `${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGb} GB, Node ${r.machine.node}`,
          ],
          ['Message log database', r.database],
          [
            'Load',
            `${r.concurrency} concurrent callers, ${r.seconds_per_phase} s per phase, ${r.body_bytes}-byte JSON POST`,
          ],
          ['Direct', `${r.direct_rps} req/s, p50 ${r.direct_p50_ms} ms, p99 ${r.direct_p99_ms} ms`],
          [
            'Through two gateways',
            `${r.gateway_rps} req/s, p50 ${r.gateway_p50_ms} ms, p99 ${r.gateway_p99_ms} ms`,
          ],
          ['Ratio (gateway/direct)', `${r.ratio} (target ≥ 0.30)`],
          ['Added p50', `${r.added_p50_ms} ms (target ≤ 2 ms)`],
          ['Errors', `${r.errors}${r.first_error ? ` (first: ${r.first_error})` : ''}`],
          ['Consumer log records', String(r.log_records)],
          ['Both message logs verified', r.logs_verified ? 'yes' : 'NO'],
        ])}\n`,
      );
    });
  bench
    .command('docex')
    .description(
      'Documents with an attachment from one agency to many, through the gateways, receipts included',
    )
    .option('--documents <n>', 'documents to send', Number, 200)
    .option('--recipients <n>', 'recipient agencies of each document', Number, 10)
    .option('--attachment-kb <n>', 'size of the attachment of each document (KiB)', Number, 100)
    .option('--concurrency <n>', 'sends in flight at once', Number, 8)
    .option('--database-url <url>', 'keep every database on this PostgreSQL server (env DATABASE_URL)')
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      const { runDocexBench } = await import('../../bench/docex.bench.ts');
      const { formatTable } = await import('../../bench/report.ts');
      const bar = progressPrinter();
      let lastPhase = '';
      const r = await runDocexBench({
        documents: o.documents,
        recipients: o.recipients,
        attachmentKb: o.attachmentKb,
        concurrency: o.concurrency,
        databaseUrl: o.databaseUrl ?? process.env['DATABASE_URL'],
        onProgress: (phase, done, total) => {
          if (done === undefined || total === undefined) {
            if (lastPhase) process.stderr.write('\n');
            process.stderr.write(`… ${phase}\n`);
            lastPhase = '';
            return;
          }
          lastPhase = phase;
          bar(phase, done, total);
        },
      });
      process.stderr.write('\n');
      if (o.json) return printJson(r);
      process.stdout.write(
        `${formatTable([
          [
            'Machine',
            `${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGb} GB, Node ${r.machine.node}`,
          ],
          ['Databases', r.database],
          [
            'Load',
            `${r.documents} documents × ${r.recipients} recipients, ${r.attachment_kb} KiB attachment each`,
          ],
          [
            'Deliveries to inboxes',
            `${r.deliveries} in ${r.seconds_to_deliver} s: ${r.docs_per_s}/s (target ≥ 1,000/s)`,
          ],
          ['Receipts (01) back', `${r.seconds_to_receipts} s: ${r.receipts_per_s}/s`],
          ['Delivery latency', `p50 ${r.p50_delivery_ms} ms, p99 ${r.p99_delivery_ms} ms`],
          ['Lost / duplicates', `${r.lost} / ${r.duplicates}`],
          ['Send errors', String(r.send_errors)],
        ])}\n`,
      );
    });
}

/** Counts on one line of stderr, so long phases show they are moving. */
function progressPrinter() {
  let last = 0;
  return (phase: string, done: number, total: number) => {
    const now = Date.now();
    if (now - last < 200 && done < total) return;
    last = now;
    const pct = total ? Math.floor((100 * done) / total) : 100;
    const bar = '#'.repeat(Math.floor(pct / 5)).padEnd(20, '.');
    process.stderr.write(
      `\r${phase.padEnd(22)} [${bar}] ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}   `,
    );
  };
}
