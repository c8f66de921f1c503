import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import type { Clock } from '../kernel/clock.ts';
import { loadConfig } from '../kernel/config.ts';
import type { Database } from '../kernel/db/database.ts';
import { AppError } from '../kernel/errors.ts';
import { parseAnchor } from '../kernel/globalconf/index.ts';
import type { Logger } from '../kernel/log.ts';
import { loadPrivateKey } from '../kernel/pki/index.ts';
import type { Random } from '../kernel/random.ts';
import type { DocexLimits } from './context.ts';
import type { DocexOptions, DocexTables } from './index.ts';

/** A docex node's own settings file (`lienthong docex serve --config docex.json`). */
const Listen = (port: number) =>
  Type.Object(
    {
      host: Type.String({ default: '127.0.0.1' }),
      port: Type.Integer({ minimum: 0, maximum: 65535, default: port }),
    },
    { default: {} },
  );

export const DocexConfig = Type.Object({
  instance: Type.String({ default: 'VN' }),
  memberClass: Type.String({ default: 'GOV' }),
  memberCode: Type.String({ description: "The agency's electronic code, e.g. 000.00.00.H49" }),
  anchorFile: Type.String({ description: 'Configuration anchor downloaded from the registry' }),
  signing: Type.Object({
    certificateFile: Type.String({
      description: "The agency's signing certificate (the gateway's `sign` one)",
    }),
    keyFile: Type.String({ description: 'PEM private key (encrypted: give keyPassphraseEnv)' }),
  }),
  keyPassphraseEnv: Type.Optional(
    Type.String({ description: 'Environment variable holding the key passphrase' }),
  ),
  gateway: Type.Object({
    consumerUrl: Type.String({
      pattern: '^https?://',
      description: "The agency's gateway, consumer side, e.g. http://127.0.0.1:8080",
    }),
  }),
  api: Listen(8090),
  transport: Listen(8091),
  clients: Type.Array(
    Type.Object({
      name: Type.String({ minLength: 1 }),
      apiKeySha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'sha256sum of the API key' }),
      role: Type.Optional(Type.Union([Type.Literal('system'), Type.Literal('operator')])),
    }),
    { default: [], description: 'Document systems (and operators) allowed to use the API' },
  ),
  webhook: Type.Optional(
    Type.Object({
      url: Type.String({ pattern: '^https?://' }),
      secretEnv: Type.String({
        description: 'Environment variable holding the HMAC secret (≥ 16 characters)',
      }),
    }),
  ),
  dataDir: Type.String({ default: '.data' }),
  databaseUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  limits: Type.Optional(
    Type.Object(
      {
        maxAttachmentBytes: Type.Optional(Type.Integer({ minimum: 1 })),
        deadAfterSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
        retryBaseMs: Type.Optional(Type.Integer({ minimum: 1 })),
        retryMaxMs: Type.Optional(Type.Integer({ minimum: 1 })),
        concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
      },
      { additionalProperties: false },
    ),
  ),
  pollMs: Type.Optional(
    Type.Integer({ minimum: 10, description: 'How often the outbound queue is scanned' }),
  ),
  logLevel: Type.String({ default: 'info' }),
});
export type DocexConfig = Static<typeof DocexConfig>;

/** Database component (PostgreSQL schema, embedded store) of an agency's node. */
export function docexComponentName(memberCode: string): string {
  return `docex_${memberCode.replace(/[^A-Za-z0-9]/g, '_')}`;
}

export function loadDocexConfig(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): { config: DocexConfig; resolve(p: string): string } {
  const config = loadConfig(DocexConfig, {
    file,
    env,
    bindings: [
      { env: 'DATABASE_URL', path: 'databaseUrl' },
      { env: 'LIENTHONG_DATA_DIR', path: 'dataDir' },
    ],
  });
  const base = path.dirname(path.resolve(file));
  return { config, resolve: (p: string) => path.resolve(base, p) };
}

export function docexLimits(config: DocexConfig): Partial<DocexLimits> {
  const l = config.limits ?? {};
  const out: Partial<DocexLimits> = {};
  if (l.maxAttachmentBytes !== undefined) out.maxAttachmentBytes = l.maxAttachmentBytes;
  if (l.deadAfterSeconds !== undefined) out.deadAfterMs = l.deadAfterSeconds * 1000;
  if (l.retryBaseMs !== undefined) out.retryBaseMs = l.retryBaseMs;
  if (l.retryMaxMs !== undefined) out.retryMaxMs = l.retryMaxMs;
  if (l.concurrency !== undefined) out.concurrency = l.concurrency;
  return out;
}

/**
 * Everything `startDocex` needs but the database and the process-wide services: keys, anchor
 * and webhook secret read from the files and variables the configuration names.
 */
export async function docexOptionsFromConfig(
  config: DocexConfig,
  resolve: (p: string) => string,
  deps: { database: Database<DocexTables>; clock: Clock; random: Random; logger: Logger },
  env: NodeJS.ProcessEnv = process.env,
): Promise<DocexOptions> {
  const read = (what: string, file: string) => {
    try {
      return readFileSync(resolve(file), 'utf8');
    } catch (err) {
      throw new AppError(
        'bad_input',
        'config.file_unreadable',
        `Cannot read ${what} ${resolve(file)}: ${(err as Error).message}. Fix the path in the docex configuration.`,
      );
    }
  };
  const secret = (name: string, purpose: string) => {
    const value = env[name];
    if (!value) {
      throw new AppError(
        'bad_input',
        'cli.missing_secret',
        `Environment variable ${name} is empty: put the ${purpose} there.`,
      );
    }
    return value;
  };
  const passphrase = config.keyPassphraseEnv ? secret(config.keyPassphraseEnv, 'key passphrase') : undefined;
  const dataDir = resolve(config.dataDir);
  return {
    identity: { instance: config.instance, memberClass: config.memberClass, memberCode: config.memberCode },
    ...deps,
    signing: {
      certificatePem: read('the signing certificate', config.signing.certificateFile),
      privateKeyPem: await loadPrivateKey(read('the signing key', config.signing.keyFile), passphrase),
    },
    globalconf: {
      anchor: parseAnchor(read('the configuration anchor', config.anchorFile)),
      cacheFile: path.join(dataDir, 'globalconf.json'),
    },
    gateway: { consumerUrl: config.gateway.consumerUrl },
    dataDir,
    api: config.api,
    transport: config.transport,
    clients: config.clients,
    limits: docexLimits(config),
    pollMs: config.pollMs,
    webhook: config.webhook
      ? { url: config.webhook.url, secret: secret(config.webhook.secretEnv, 'webhook secret') }
      : undefined,
  };
}
