import type { Command } from 'commander';
import { reportError } from '../output.ts';
import { type CommonFlags, loadPlatformConfig } from '../platform-config.ts';

export function registerUp(program: Command, common: (c: Command) => Command): void {
  common(
    program
      .command('up')
      .description('Run a whole demo federation on this machine and print its URLs (Ctrl-C stops it)')
      .option('--console-port <port>', 'port of the console address (default 8080)', Number)
      .option('--registry-port <port>', 'port of the registry (default 8081)', Number)
      .option('--no-sample', 'do not load the sample federation into an empty registry')
      .option('--no-gateways', 'do not run the demo gateways')
      .option(
        '--gateway-base-port <port>',
        'demo gateways listen from this port (default 9100; 0 = any free ports)',
        Number,
      ),
  ).action(
    async (
      flags: CommonFlags & {
        consolePort?: number;
        registryPort?: number;
        sample?: boolean;
        gateways?: boolean;
        gatewayBasePort?: number;
      },
    ) => {
      // The demo prints its own summary; per-request logs would bury it. Ask with --log-level info.
      if (!flags.logLevel && !process.env['LIENTHONG_LOG_LEVEL']) flags.logLevel = 'warn';
      const config = loadPlatformConfig(flags, {
        'console.port': flags.consolePort,
        'registry.port': flags.registryPort,
        sample: flags.sample,
        'gateways.enabled': flags.gateways,
        'gateways.basePort': flags.gatewayBasePort,
      });
      const started = Date.now();
      const { startFederation } = await import('../federation.ts');
      const f = await startFederation(config);
      const r = f.registry;
      const lines = [
        '',
        'Liên Thông đang chạy — Liên Thông is running',
        '',
        `  Console / bảng điều khiển   ${f.consoleUrl}   (health: ${f.consoleUrl}/healthz)`,
        `  Registry / nền tảng trung tâm ${r.registry.url}   (API docs: ${r.registry.url}/openapi.json)`,
        `  Global configuration        ${r.registry.url}/globalconf   (anchor: ${r.registry.url}/globalconf/anchor)`,
        `  Database                    ${r.database.location}`,
        r.sampleLoaded
          ? '  Sample federation           loaded (dữ liệu mẫu — illustrative codes are labelled)'
          : '',
        r.operatorKey ? `  Operator API key            ${r.operatorKey}` : '',
        r.operatorKeyFile
          ? `                              (saved in ${r.operatorKeyFile}; CLI commands use it)`
          : '',
        ...(f.demo
          ? [
              '',
              `  Gateways (LGSP)             ${f.demo.gateways.length} running:`,
              ...f.demo.gateways.map(
                (g) =>
                  `    ${g.identity.memberCode.padEnd(15)} consumer ${g.consumerUrl}  provider ${g.providerUrl}  admin ${g.adminUrl}`,
              ),
              '',
              'Gọi thử một dịch vụ qua hai cổng kết nối — call a service through two gateways:',
              '',
              f.demo.exampleCurl,
            ]
          : []),
        ...(f.docex?.nodes.length
          ? [
              '',
              `  Document axis (docex)       ${f.docex.nodes.length} nodes — văn bản điện tử edXML:`,
              ...f.docex.nodes.map((n) => `    ${n.memberCode.padEnd(15)} API ${n.node.apiUrl}  ${n.nameVi}`),
              config.ephemeral
                ? ''
                : `    (each agency's document-system key: ${config.dataDir}/docex/<code>/api-key)`,
              '',
              'Hộp thư văn bản đến của Văn phòng Chính phủ — the Government Office inbox:',
              '',
              f.docex.exampleCurl,
            ]
          : []),
        '',
        `Started in ${((Date.now() - started) / 1000).toFixed(1)} s. Try: lienthong registry members list`,
        'Nhấn Ctrl-C để dừng — press Ctrl-C to stop.',
        '',
      ].filter((l, i, all) => l !== '' || all[i - 1] !== '');
      process.stdout.write(`${lines.join('\n')}\n`);
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        process.stdout.write('Đang dừng — stopping…\n');
        try {
          await f.close();
          process.exit(0);
        } catch (err) {
          process.exit(reportError(err));
        }
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
  );
}
