import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { systemClock } from '../../kernel/clock.ts';
import { AppError } from '../../kernel/errors.ts';

// The PKI library (and @peculiar/x509 behind it) loads only when a pki command runs.
const pkiLib = () => import('../../kernel/pki/index.ts');

import { type ApiFlags, apiClient, memberArg } from '../api-client.ts';
import { printJson, printTable } from '../output.ts';

type Flags = ApiFlags & { json?: boolean };
const certCols = ['serial', 'usage', 'memberId', 'gatewayCode', 'notAfter', 'daysToExpiry', 'revokedAt'];

function passphraseFrom(envName: string | undefined): string | undefined {
  if (!envName) return undefined;
  const v = process.env[envName];
  if (!v)
    throw new AppError(
      'bad_input',
      'cli.missing_passphrase',
      `Environment variable ${envName} is empty: put the key passphrase there.`,
    );
  return v;
}

async function readKey(file: string, passphraseEnv?: string) {
  const { loadPrivateKey, publicKeyObject, privateKeyObject, toPublicKeyPem } = await pkiLib();
  const privateKeyPem = await loadPrivateKey(readFileSync(file, 'utf8'), passphraseFrom(passphraseEnv));
  const publicKeyPem = toPublicKeyPem(publicKeyObject(toPublicKeyPem(privateKeyObject(privateKeyPem))));
  return { privateKeyPem, publicKeyPem };
}

export function registerPki(program: Command): void {
  const pki = program
    .command('pki')
    .description('Keys and certificates: generate a key, request a certificate, revoke, check status')
    .option('--registry-url <url>', 'registry base URL (env LIENTHONG_REGISTRY_URL)')
    .option('--api-key <key>', 'API key (env LIENTHONG_API_KEY)')
    .option('--json', 'print JSON');

  pki
    .command('keygen')
    .description(
      'Generate a P-256 private key, encrypted with a passphrase taken from an environment variable',
    )
    .requiredOption('--out <file>', 'where to write the key (PEM)')
    .option('--passphrase-env <VAR>', 'environment variable holding the passphrase (recommended)')
    .action(async (o) => {
      const { generateKeyPair, encryptPrivateKey } = await pkiLib();
      const keys = generateKeyPair();
      const passphrase = passphraseFrom(o.passphraseEnv);
      const pem = passphrase ? await encryptPrivateKey(keys.privateKeyPem, passphrase) : keys.privateKeyPem;
      writeFileSync(o.out, `${pem.trim()}\n`, { mode: 0o600 });
      if (!passphrase)
        process.stderr.write('Warning: the key is stored unencrypted. Use --passphrase-env to encrypt it.\n');
      process.stdout.write(`Private key written to ${o.out}\n${keys.publicKeyPem.trim()}\n`);
    });

  pki
    .command('csr')
    .description('Make a PKCS#10 certificate request for a key (the registry sets the final subject)')
    .requiredOption('--key <file>', 'the private key')
    .requiredOption('--cn <name>', 'common name, e.g. the agency code')
    .option('--passphrase-env <VAR>', 'environment variable holding the key passphrase')
    .option('--out <file>', 'write the request here instead of printing it')
    .action(async (o) => {
      const keys = await readKey(o.key, o.passphraseEnv);
      const { createCsr } = await pkiLib();
      const csr = await createCsr({ ...keys, subject: { commonName: o.cn, country: 'VN' } });
      if (o.out) writeFileSync(o.out, `${csr.trim()}\n`);
      else process.stdout.write(`${csr.trim()}\n`);
    });

  pki
    .command('request')
    .description(
      'Request a certificate from the platform CA for a key: auth (gateway TLS) or sign (message signing)',
    )
    .requiredOption('--member <member>', 'the agency, e.g. GOV/000.00.00.H49')
    .requiredOption('--usage <usage>', 'auth or sign')
    .requiredOption('--key <file>', 'the private key (see `lienthong pki keygen`)')
    .option('--gateway <code>', 'for auth certificates: the gateway code')
    .option('--passphrase-env <VAR>', 'environment variable holding the key passphrase')
    .option('--days <n>', 'validity in days', Number)
    .requiredOption('--out <file>', 'where to write the issued certificate (PEM)')
    .action(async (o, cmd: Command) => {
      const keys = await readKey(o.key, o.passphraseEnv);
      const m = memberArg(o.member);
      const { createCsr } = await pkiLib();
      const csr = await createCsr({ ...keys, subject: { commonName: m.memberCode, country: 'VN' } });
      const cert = await apiClient(cmd.optsWithGlobals() as Flags).call<Record<string, unknown>>(
        'POST',
        '/api/v1/certificates',
        {
          ...m,
          usage: o.usage,
          gatewayCode: o.gateway,
          csr,
          validityDays: o.days,
        },
      );
      writeFileSync(o.out, `${String(cert['certificatePem']).trim()}\n`);
      printTable([cert], certCols);
      process.stdout.write(`Certificate written to ${o.out}\n`);
    });

  pki
    .command('list')
    .description('Certificates issued by the platform CA')
    .option('--member <member>', 'only this agency')
    .action(async (o, cmd: Command) => {
      const m = o.member ? memberArg(o.member) : undefined;
      const flags = cmd.optsWithGlobals() as Flags;
      const list = await apiClient(flags).call<Record<string, unknown>[]>(
        'GET',
        `/api/v1/certificates${m ? `?memberClass=${m.memberClass}&memberCode=${encodeURIComponent(m.memberCode)}` : ''}`,
      );
      if (flags.json) printJson(list);
      else printTable(list, certCols);
    });

  pki
    .command('revoke <serial>')
    .description('Revoke a certificate')
    .option('--reason <text>', 'why (keyCompromise, superseded, …)')
    .action(async (serial: string, o, cmd: Command) => {
      const cert = await apiClient(cmd.optsWithGlobals() as Flags).call<Record<string, unknown>>(
        'POST',
        `/api/v1/certificates/${encodeURIComponent(serial)}/revoke`,
        { reason: o.reason },
      );
      printTable([cert], certCols);
    });

  pki
    .command('status <serial>')
    .description("Ask the registry for a certificate's status and verify the CA's signature on the answer")
    .action(async (serial: string, _o, cmd: Command) => {
      const flags = cmd.optsWithGlobals() as Flags;
      const client = apiClient(flags);
      const { compactVerify, importX509 } = await import('jose');
      const caPem = await (await fetch(`${client.baseUrl}/pki/ca.pem`)).text();
      const answer = await client.call<{ jws: string }>('GET', `/pki/status/${encodeURIComponent(serial)}`);
      const { payload } = await compactVerify(answer.jws, await importX509(caPem, 'ES256'));
      const status = JSON.parse(new TextDecoder().decode(payload));
      if (flags.json) printJson({ ...status, signatureVerified: true });
      else
        printTable(
          [{ ...status, signature: 'verified (root CA)' }],
          ['serial', 'status', 'revokedAt', 'reason', 'producedAt', 'signature'],
        );
    });

  pki
    .command('show <cert-file>')
    .description('Describe a certificate file: subject, issuer, validity, usages, fingerprint')
    .action(async (file: string) => {
      const { describeCertificate } = await pkiLib();
      const d = describeCertificate(readFileSync(file, 'utf8'), systemClock.now());
      const { publicKeyPem: _omit, ...rest } = d;
      printJson(rest);
    });
}
