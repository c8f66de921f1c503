import { type Static, Type } from '@sinclair/typebox';

/** A gateway's own settings file (`lienthong gateway serve --config gateway.json`). */
const Listen = (port: number) =>
  Type.Object(
    {
      host: Type.String({ default: '127.0.0.1' }),
      port: Type.Integer({ minimum: 0, maximum: 65535, default: port }),
    },
    { default: {} },
  );
const KeyFiles = Type.Object({
  certificateFile: Type.String({ description: 'PEM certificate issued by the platform CA' }),
  keyFile: Type.String({ description: 'PEM private key (encrypted: give keyPassphraseEnv)' }),
});

export const GatewayConfig = Type.Object({
  instance: Type.String({ default: 'VN' }),
  memberClass: Type.String({ default: 'GOV' }),
  memberCode: Type.String({ description: "The agency's electronic code, e.g. 000.00.00.H49" }),
  gatewayCode: Type.String({ default: 'gw1' }),
  anchorFile: Type.String({ description: 'Configuration anchor downloaded from the registry' }),
  tls: KeyFiles,
  signing: KeyFiles,
  keyPassphraseEnv: Type.Optional(
    Type.String({ description: 'Environment variable holding the key passphrase' }),
  ),
  consumer: Listen(8080),
  consumerTls: Type.Optional(
    Type.Object({
      certificateFile: Type.String({ description: "The consumer listener's HTTPS certificate" }),
      keyFile: Type.String(),
    }),
  ),
  provider: Listen(5500),
  admin: Listen(5588),
  adminKeySha256: Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$' }), { default: [] }),
  backends: Type.Record(Type.String(), Type.String({ pattern: '^https?://' }), {
    default: {},
    description: 'Service id (VN/GOV/…/subsystem/service[/version]) → backend base URL',
  }),
  clients: Type.Array(
    Type.Object({
      id: Type.String(),
      apiKeySha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
    }),
    {
      default: [],
      description: 'Local information systems (subsystem ids) allowed to call through this gateway',
    },
  ),
  bodyModes: Type.Object(
    {
      default: Type.Union([Type.Literal('full'), Type.Literal('metadata'), Type.Literal('off')], {
        default: 'metadata',
      }),
      subsystems: Type.Optional(
        Type.Record(
          Type.String(),
          Type.Union([Type.Literal('full'), Type.Literal('metadata'), Type.Literal('off')]),
        ),
      ),
    },
    { default: {} },
  ),
  dataDir: Type.String({ default: '.data' }),
  databaseUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  sealIntervalSeconds: Type.Integer({ minimum: 1, default: 60 }),
  archive: Type.Optional(
    Type.Object({
      dir: Type.String({ description: 'Where archive files are written (relative to this file)' }),
      keepDays: Type.Integer({ minimum: 1, default: 30, description: 'Days records stay in the database' }),
      intervalMinutes: Type.Integer({ minimum: 1, default: 60 }),
    }),
  ),
  logLevel: Type.String({ default: 'info' }),
});
export type GatewayConfig = Static<typeof GatewayConfig>;

export function gatewayComponentName(memberCode: string, gatewayCode: string): string {
  return `gateway_${memberCode.replace(/[^A-Za-z0-9]/g, '_')}_${gatewayCode.replace(/[^A-Za-z0-9]/g, '_')}`;
}
