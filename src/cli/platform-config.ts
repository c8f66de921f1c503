import { type Static, Type } from '@sinclair/typebox';
import { loadConfig } from '../kernel/config.ts';
import { AppError } from '../kernel/errors.ts';

/**
 * The settings of a Liên Thông process (`lienthong up`, `lienthong registry serve`, …).
 * Demo mode defaults everything; production mode must be told what the demo invents.
 */
export const PlatformConfig = Type.Object(
  {
    mode: Type.Union([Type.Literal('demo'), Type.Literal('production')], { default: 'demo' }),
    dataDir: Type.String({ default: '.data', description: 'Where embedded databases and keys live' }),
    ephemeral: Type.Boolean({ default: false, description: 'Keep embedded databases in memory only' }),
    database: Type.Object(
      {
        url: Type.Optional(
          Type.String({ pattern: '^postgres(ql)?://', description: 'PostgreSQL server URL' }),
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
    console: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
      },
      { default: {}, additionalProperties: false },
    ),
    registry: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8081 }),
        publicUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
        instance: Type.String({ default: 'VN', pattern: '^[A-Za-z0-9-]{1,32}$' }),
        caPassphrase: Type.Optional(Type.String({ minLength: 8 })),
        caCertFile: Type.Optional(Type.String()),
        caKeyFile: Type.Optional(Type.String()),
        caKeyPassphrase: Type.Optional(Type.String()),
        refreshSeconds: Type.Integer({ minimum: 5, maximum: 3600, default: 60 }),
        validitySeconds: Type.Integer({ minimum: 60, maximum: 604800, default: 600 }),
      },
      { default: {}, additionalProperties: false },
    ),
    sample: Type.Boolean({ default: true, description: 'Load the sample federation into an empty registry' }),
    gateways: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description: 'Demo: run a gateway for each sample agency that exchanges data',
        }),
        basePort: Type.Integer({
          minimum: 0,
          maximum: 65000,
          default: 9100,
          description:
            'Demo gateways listen on basePort + 3i (consumer), +1 (provider), +2 (admin); 0 = any free ports',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type PlatformConfig = Static<typeof PlatformConfig>;

export const ENV_BINDINGS = [
  { env: 'LIENTHONG_MODE', path: 'mode' },
  { env: 'LIENTHONG_DATA_DIR', path: 'dataDir' },
  { env: 'DATABASE_URL', path: 'database.url' },
  { env: 'LIENTHONG_LOG_LEVEL', path: 'logLevel' },
  { env: 'LIENTHONG_CONSOLE_HOST', path: 'console.host' },
  { env: 'LIENTHONG_CONSOLE_PORT', path: 'console.port', type: 'number' as const },
  { env: 'LIENTHONG_REGISTRY_HOST', path: 'registry.host' },
  { env: 'LIENTHONG_REGISTRY_PORT', path: 'registry.port', type: 'number' as const },
  { env: 'LIENTHONG_REGISTRY_PUBLIC_URL', path: 'registry.publicUrl' },
  { env: 'LIENTHONG_CA_PASSPHRASE', path: 'registry.caPassphrase' },
  { env: 'LIENTHONG_CA_CERT_FILE', path: 'registry.caCertFile' },
  { env: 'LIENTHONG_CA_KEY_FILE', path: 'registry.caKeyFile' },
  { env: 'LIENTHONG_CA_KEY_PASSPHRASE', path: 'registry.caKeyPassphrase' },
  { env: 'LIENTHONG_GATEWAY_BASE_PORT', path: 'gateways.basePort', type: 'number' as const },
];

/** Only for the demo: production refuses to start with it. */
export const DEMO_CA_PASSPHRASE = 'lienthong-demo-only-passphrase';

export interface CommonFlags {
  config?: string;
  databaseUrl?: string;
  dataDir?: string;
  ephemeral?: boolean;
  logLevel?: string;
}

export function loadPlatformConfig(
  flags: CommonFlags,
  extra: Record<string, unknown> = {},
  /** Commands that never unlock the CA (migrate) need not be given its passphrase. */
  needs: { ca?: boolean } = {},
): PlatformConfig {
  const config = loadConfig(PlatformConfig, {
    file: flags.config,
    bindings: ENV_BINDINGS,
    overrides: {
      'database.url': flags.databaseUrl,
      dataDir: flags.dataDir,
      ephemeral: flags.ephemeral,
      logLevel: flags.logLevel,
      ...extra,
    },
  });
  if (config.mode === 'production') {
    const missing: string[] = [];
    if (needs.ca !== false && !config.registry.caPassphrase) {
      missing.push('registry.caPassphrase (LIENTHONG_CA_PASSPHRASE)');
    }
    if (config.registry.caPassphrase === DEMO_CA_PASSPHRASE)
      missing.push('registry.caPassphrase must not be the demo passphrase');
    if (config.ephemeral) missing.push('ephemeral must be false: production data must survive a restart');
    if (missing.length) {
      throw new AppError(
        'bad_input',
        'config.production_incomplete',
        `Production mode needs settings the demo would invent:\n  - ${missing.join('\n  - ')}`,
      );
    }
  }
  if (Boolean(config.registry.caCertFile) !== Boolean(config.registry.caKeyFile)) {
    throw new AppError(
      'bad_input',
      'config.invalid',
      'To import a CA, set both registry.caCertFile and registry.caKeyFile.',
    );
  }
  return config;
}
