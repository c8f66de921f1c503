import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../kernel/config.ts';
import { AppError } from '../../kernel/errors.ts';
import { printJson, printTable } from '../output.ts';

/** `lienthong gateway …` and `lienthong log …`: run a gateway, check its message log. */
async function loadGatewayConfig(file: string) {
  const { GatewayConfig } = await import('../../gateway/config.ts');
  const config = loadConfig(GatewayConfig, {
    file,
    bindings: [
      { env: 'DATABASE_URL', path: 'databaseUrl' },
      { env: 'LIENTHONG_DATA_DIR', path: 'dataDir' },
    ],
  });
  const base = path.dirname(path.resolve(file));
  const resolve = (p: string) => path.resolve(base, p);
  return { config, resolve };
}

async function openGatewayDb(file: string) {
  const { config, resolve } = await loadGatewayConfig(file);
  const { openDatabase } = await import('../../kernel/db/database.ts');
  const { migrate } = await import('../../kernel/db/migrate.ts');
  const { GATEWAY_MIGRATIONS } = await import('../../gateway/index.ts');
  const { gatewayComponentName } = await import('../../gateway/config.ts');
  const database = await openDatabase<import('../../gateway/messagelog/index.ts').MessageLogTables>({
    component: gatewayComponentName(config.memberCode, config.gatewayCode),
    url: config.databaseUrl,
    dataDir: resolve(config.dataDir),
  });
  await migrate(database.db as never, GATEWAY_MIGRATIONS);
  return { config, resolve, database };
}

async function readKey(file: string, passphraseEnv: string | undefined) {
  const { loadPrivateKey } = await import('../../kernel/pki/index.ts');
  const passphrase = passphraseEnv ? process.env[passphraseEnv] : undefined;
  if (passphraseEnv && !passphrase) {
    throw new AppError(
      'bad_input',
      'cli.missing_passphrase',
      `Environment variable ${passphraseEnv} is empty: put the key passphrase there.`,
    );
  }
  return loadPrivateKey(readFileSync(file, 'utf8'), passphrase);
}

type Opened = Awaited<ReturnType<typeof openGatewayDb>>;
async function openLog(database: Opened['database'], config: Opened['config'], resolve: Opened['resolve']) {
  const { createMessageLog } = await import('../../gateway/messagelog/index.ts');
  const { systemClock } = await import('../../kernel/clock.ts');
  return createMessageLog({
    db: database.db,
    clock: systemClock,
    signingKeyPem: await readKey(resolve(config.signing.keyFile), config.keyPassphraseEnv),
    certificatePem: readFileSync(resolve(config.signing.certificateFile), 'utf8'),
  });
}

export function registerGateway(program: Command): void {
  const gateway = program
    .command('gateway')
    .description("An agency's gateway (LGSP): X-Road REST consumer and provider proxy");
  gateway
    .command('serve')
    .description('Run a gateway from its configuration file')
    .requiredOption('-c, --config <file>', 'gateway configuration (JSON); see docs/operators.md')
    .action(async (o) => {
      const { config, resolve, database } = await openGatewayDb(o.config);
      const { startGateway } = await import('../../gateway/index.ts');
      const { parseAnchor } = await import('../../kernel/globalconf/index.ts');
      const { systemClock } = await import('../../kernel/clock.ts');
      const { systemRandom } = await import('../../kernel/random.ts');
      const { createLogger } = await import('../../kernel/log.ts');
      const gw = await startGateway({
        identity: {
          instance: config.instance,
          memberClass: config.memberClass,
          memberCode: config.memberCode,
          gatewayCode: config.gatewayCode,
        },
        database,
        clock: systemClock,
        random: systemRandom,
        logger: createLogger({ level: config.logLevel as 'info', component: 'gateway' }),
        anchor: parseAnchor(readFileSync(resolve(config.anchorFile), 'utf8')),
        globalconfCacheFile: resolve(path.join(config.dataDir, 'globalconf.json')),
        tls: {
          certificatePem: readFileSync(resolve(config.tls.certificateFile), 'utf8'),
          privateKeyPem: await readKey(resolve(config.tls.keyFile), config.keyPassphraseEnv),
        },
        signing: {
          certificatePem: readFileSync(resolve(config.signing.certificateFile), 'utf8'),
          privateKeyPem: await readKey(resolve(config.signing.keyFile), config.keyPassphraseEnv),
        },
        consumer: {
          ...config.consumer,
          tls: config.consumerTls
            ? {
                certificatePem: readFileSync(resolve(config.consumerTls.certificateFile), 'utf8'),
                privateKeyPem: await readKey(resolve(config.consumerTls.keyFile), config.keyPassphraseEnv),
              }
            : undefined,
        },
        provider: config.provider,
        admin: config.admin,
        adminKeySha256: config.adminKeySha256,
        backends: config.backends,
        localClients: config.clients,
        bodyModes: config.bodyModes,
        sealIntervalMs: config.sealIntervalSeconds * 1000,
        archive: config.archive
          ? {
              dir: resolve(config.archive.dir),
              keepDays: config.archive.keepDays,
              intervalMs: config.archive.intervalMinutes * 60_000,
            }
          : undefined,
      });
      process.stdout.write(
        `Gateway ${gw.identity.gatewayId}\n  consumer ${gw.consumerUrl}\n  provider ${gw.providerUrl}\n  admin    ${gw.adminUrl} (/healthz, /metrics)\n`,
      );
      const stop = async () => {
        await gw.close();
        await database.close();
        process.exit(0);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });

  const log = program
    .command('log')
    .description("A gateway's tamper-evident message log: verify, prove, export");
  log
    .command('verify')
    .description(
      'Verify a whole message log offline: from the gateway database (--config) or an archive file (--archive)',
    )
    .option('-c, --config <file>', 'the gateway configuration (reads its database)')
    .option('--archive <file>', 'an exported archive file instead')
    .option('--certificate <file>', "the gateway's signing certificate (default: from --config)")
    .option('--json', 'print the result as JSON')
    .action(async (o) => {
      const { verifyLog } = await import('../../gateway/messagelog/index.ts');
      const { describeCertificate } = await import('../../kernel/pki/index.ts');
      let certFile = o.certificate as string | undefined;
      let source: Parameters<typeof verifyLog>[0];
      let close = async () => {};
      if (o.archive) {
        source = { archivePath: o.archive };
      } else if (o.config) {
        const opened = await openGatewayDb(o.config);
        source = { db: opened.database.db };
        certFile ??= opened.resolve(opened.config.signing.certificateFile);
        close = () => opened.database.close();
      } else {
        throw new AppError(
          'bad_input',
          'cli.missing_source',
          'Give --config (the gateway database) or --archive (an exported file).',
        );
      }
      if (!certFile)
        throw new AppError(
          'bad_input',
          'cli.missing_certificate',
          "Give --certificate: the gateway's signing certificate.",
        );
      const publicKeyPem = describeCertificate(readFileSync(certFile, 'utf8'), new Date()).publicKeyPem;
      try {
        const result = await verifyLog(source, { publicKeyPem });
        if (o.json) printJson(result);
        else if (result.ok) process.stdout.write(`Message log verified: ${JSON.stringify(result)}\n`);
        else process.stdout.write(`Message log FAILED verification: ${JSON.stringify(result)}\n`);
        if (!result.ok) process.exitCode = 3;
      } finally {
        await close();
      }
    });
  log
    .command('proof <xroadId>')
    .description('Print inclusion proofs (JSON) for the records of one message (X-Road-Id)')
    .requiredOption('-c, --config <file>', 'the gateway configuration')
    .action(async (xroadId: string, o) => {
      const { config, database, resolve } = await openGatewayDb(o.config);
      try {
        const rows = await database.db
          .selectFrom('messagelog_records')
          .select(['seq'])
          .where('message_id', '=', xroadId)
          .orderBy('seq')
          .execute();
        if (rows.length === 0)
          throw new AppError(
            'not_found',
            'messagelog.unknown_message',
            `No record of message ${xroadId} in this gateway's log.`,
          );
        const log = await openLog(database, config, resolve);
        printJson(await Promise.all(rows.map((r) => log.proveInclusion(r.seq))));
      } finally {
        await database.close();
      }
    });
  log
    .command('verify-proof <proofFile>')
    .description("Check an inclusion proof with only the proof and the gateway's signing certificate")
    .requiredOption('--certificate <file>', "the gateway's signing certificate")
    .action(async (proofFile: string, o) => {
      const { verifyInclusion } = await import('../../gateway/messagelog/index.ts');
      const { describeCertificate } = await import('../../kernel/pki/index.ts');
      const publicKeyPem = describeCertificate(readFileSync(o.certificate, 'utf8'), new Date()).publicKeyPem;
      const parsed = JSON.parse(readFileSync(proofFile, 'utf8'));
      const proofs = Array.isArray(parsed) ? parsed : [parsed];
      const results = proofs.map((p) => verifyInclusion(p, publicKeyPem));
      printTable(results as never, ['ok', 'seq', 'sealedAt', 'reason', 'detail']);
      if (results.some((r: { ok: boolean }) => !r.ok)) process.exitCode = 3;
    });
  log
    .command('export')
    .description('Export sealed records to an archive file that verifies on its own')
    .requiredOption('-c, --config <file>', 'the gateway configuration')
    .requiredOption('--out <file>', 'archive file to write')
    .action(async (o) => {
      const { database, config, resolve } = await openGatewayDb(o.config);
      try {
        const log = await openLog(database, config, resolve);
        const summary = await log.exportArchive(o.out);
        printJson(summary);
      } finally {
        await database.close();
      }
    });
}
