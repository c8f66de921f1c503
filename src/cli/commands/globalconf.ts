import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { systemClock } from '../../kernel/clock.ts';
import { AppError } from '../../kernel/errors.ts';
import type { GlobalConfiguration } from '../../kernel/globalconf/format.ts';

const lib = () => import('../../kernel/globalconf/verify.ts');

import { printJson, printTable } from '../output.ts';

function summary(conf: GlobalConfiguration) {
  return {
    instance: conf.instance,
    serial: conf.serial,
    generatedAt: conf.generatedAt,
    expiresAt: conf.expiresAt,
    members: conf.members.length,
    gateways: conf.gateways.length,
    services: conf.services.length,
    accessRights: conf.accessRights.length,
    revoked: conf.revokedCertificates.length,
    signature: 'verified',
  };
}

async function download(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new AppError('unavailable', 'cli.unreachable', `Cannot reach ${url}: ${(err as Error).message}`);
  }
  if (!res.ok)
    throw new AppError('bad_gateway', 'globalconf.download_failed', `${url} answered ${res.status}.`);
  return res.text();
}

export function registerGlobalconf(program: Command): void {
  const gc = program
    .command('globalconf')
    .description('The signed global configuration: download its anchor, fetch and verify it');
  gc.command('anchor')
    .description('Download the configuration anchor from a registry (give it to each gateway)')
    .option(
      '--registry-url <url>',
      'registry base URL',
      process.env['LIENTHONG_REGISTRY_URL'] ?? 'http://127.0.0.1:8081',
    )
    .requiredOption('--out <file>', 'where to write the anchor')
    .action(async (o) => {
      const text = await download(`${o.registryUrl.replace(/\/$/, '')}/globalconf/anchor`);
      (await lib()).parseAnchor(text);
      writeFileSync(o.out, text);
      process.stdout.write(
        `Anchor written to ${o.out}. Check its certificate fingerprint with the registry operator out of band.\n`,
      );
    });
  gc.command('fetch')
    .description('Download the global configuration named by an anchor and verify it')
    .requiredOption('--anchor <file>', 'the configuration anchor')
    .option('--out <file>', 'also save the verified document')
    .option('--json', 'print the whole configuration')
    .action(async (o) => {
      const { parseAnchor, verifyConfiguration } = await lib();
      const anchor = parseAnchor(readFileSync(o.anchor, 'utf8'));
      const text = await download(anchor.configurationUrl);
      const conf = await verifyConfiguration(text, anchor, { now: systemClock.now() });
      if (o.out) writeFileSync(o.out, text);
      if (o.json) printJson(conf);
      else printTable([summary(conf)], Object.keys(summary(conf)));
    });
  gc.command('verify <file>')
    .description('Verify a saved global configuration against an anchor, offline')
    .requiredOption('--anchor <file>', 'the configuration anchor')
    .action(async (file: string, o) => {
      const { parseAnchor, verifyConfiguration } = await lib();
      const anchor = parseAnchor(readFileSync(o.anchor, 'utf8'));
      const conf = await verifyConfiguration(readFileSync(file), anchor, { now: systemClock.now() });
      printTable([summary(conf)], Object.keys(summary(conf)));
    });
}
