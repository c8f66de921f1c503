import { createHash, createPrivateKey, type KeyObject, sign } from 'node:crypto';
import {
  type ConfigurationAnchor,
  GLOBALCONF_FORMAT_VERSION,
  GLOBALCONF_JWS_TYPE,
  type GlobalConfigurationContent,
} from '../kernel/globalconf/index.ts';
import type { CaKeys } from './ca.service.ts';
import type { RegistryContext } from './context.ts';
import type { RegistryDb } from './registry.db.ts';

/**
 * Builds, signs and publishes the global configuration. Publication happens at start-up and
 * then every `refreshSeconds`; each publication gets the next serial and a fresh expiry, so a
 * gateway that can no longer reach the registry keeps working until `validitySeconds` pass.
 */
export interface GlobalConfSettings {
  refreshSeconds: number;
  validitySeconds: number;
  /** Public URL where gateways download the configuration. */
  configurationUrl: string;
  certificateStatusUrl: string;
}

const KEEP_VERSIONS = 10;

export async function buildContent(
  db: RegistryDb,
  instance: string,
  ca: Pick<CaKeys, 'root' | 'rootFingerprint'>,
  certificateStatusUrl: string,
  now: Date,
): Promise<GlobalConfigurationContent> {
  const id = (c: string, m: string) => `${instance}/${c}/${m}`;
  const [
    members,
    subsystems,
    gateways,
    clients,
    certs,
    services,
    endpoints,
    groups,
    groupMembers,
    rights,
    revoked,
  ] = await Promise.all([
    db
      .selectFrom('members as m')
      .leftJoin('members as p', 'p.id', 'm.parent_id')
      .select([
        'm.id',
        'm.member_class',
        'm.member_code',
        'm.name_vi',
        'm.name_en',
        'm.kind',
        'p.member_code as parent_code',
      ])
      .orderBy('m.member_class')
      .orderBy('m.member_code')
      .execute(),
    db.selectFrom('subsystems').select(['id', 'member_id', 'code', 'name_vi']).orderBy('code').execute(),
    db.selectFrom('gateways').select(['id', 'member_id', 'code', 'addresses']).orderBy('id').execute(),
    db.selectFrom('gateway_clients').selectAll().execute(),
    db
      .selectFrom('certificates')
      .select(['serial', 'gateway_id', 'fingerprint', 'not_after'])
      .where('usage', '=', 'auth')
      .where('revoked_at', 'is', null)
      .where('not_after', '>', now)
      .execute(),
    db
      .selectFrom('services')
      .select(['id', 'subsystem_id', 'code', 'version', 'title_vi', 'personal_data'])
      .orderBy('id')
      .execute(),
    db.selectFrom('service_endpoints').select(['service_id', 'method', 'path']).orderBy('id').execute(),
    db.selectFrom('global_groups').select(['id', 'code']).orderBy('code').execute(),
    db.selectFrom('group_members').selectAll().execute(),
    db.selectFrom('access_rights').selectAll().orderBy('id').execute(),
    db
      .selectFrom('certificates')
      .select(['serial', 'revoked_at', 'revocation_reason'])
      .where('revoked_at', 'is not', null)
      .where('not_after', '>', now)
      .orderBy('serial')
      .execute(),
  ]);

  const memberById = new Map(members.map((m) => [m.id, m]));
  const subsById = new Map<number, { memberId: string; id: string; code: string; nameVi: string }>();
  const subsByMember = new Map<number, { code: string; nameVi: string }[]>();
  for (const s of subsystems) {
    const m = memberById.get(s.member_id)!;
    const memberId = id(m.member_class, m.member_code);
    subsById.set(s.id, { memberId, id: `${memberId}/${s.code}`, code: s.code, nameVi: s.name_vi });
    const list = subsByMember.get(s.member_id) ?? [];
    list.push({ code: s.code, nameVi: s.name_vi });
    subsByMember.set(s.member_id, list);
  }
  const serviceIds = new Map<number, string>();
  const endpointsBy = groupBy(endpoints, (e) => e.service_id);
  const servicesOut = services.map((s) => {
    const sub = subsById.get(s.subsystem_id)!;
    const sid = `${sub.id}/${s.code}${s.version ? `/${s.version}` : ''}`;
    serviceIds.set(s.id, sid);
    return {
      id: sid,
      providerId: sub.id,
      code: s.code,
      version: s.version || null,
      titleVi: s.title_vi,
      personalData: s.personal_data,
      endpoints: (endpointsBy.get(s.id) ?? []).map((e) => ({ method: e.method, path: e.path })),
    };
  });
  const certsBy = groupBy(certs, (c) => c.gateway_id ?? 0);
  const clientsBy = groupBy(clients, (c) => c.gateway_id);
  const groupCode = new Map(groups.map((g) => [g.id, g.code]));
  const membersBy = groupBy(groupMembers, (g) => g.group_id);

  return {
    formatVersion: GLOBALCONF_FORMAT_VERSION,
    instance,
    members: members.map((m) => ({
      id: id(m.member_class, m.member_code),
      memberClass: m.member_class,
      memberCode: m.member_code,
      nameVi: m.name_vi,
      nameEn: m.name_en,
      kind: m.kind,
      parentCode: m.parent_code,
      subsystems: subsByMember.get(m.id) ?? [],
    })),
    gateways: gateways.map((g) => {
      const m = memberById.get(g.member_id)!;
      const memberId = id(m.member_class, m.member_code);
      return {
        id: `${memberId}/${g.code}`,
        memberId,
        code: g.code,
        addresses: g.addresses,
        authCertificates: (certsBy.get(g.id) ?? []).map((c) => ({
          serial: c.serial,
          fingerprintSha256: c.fingerprint,
          notAfter: new Date(c.not_after).toISOString(),
        })),
        clients: (clientsBy.get(g.id) ?? []).map((c) => subsById.get(c.subsystem_id)!.id).sort(),
      };
    }),
    services: servicesOut,
    groups: groups.map((g) => ({
      code: g.code,
      members: (membersBy.get(g.id) ?? []).map((gm) => subsById.get(gm.subsystem_id)!.id).sort(),
    })),
    accessRights: rights.map((r) => ({
      service: serviceIds.get(r.service_id)!,
      endpoint:
        r.endpoint_method && r.endpoint_path ? { method: r.endpoint_method, path: r.endpoint_path } : null,
      subject: r.subject_subsystem_id
        ? { type: 'subsystem' as const, id: subsById.get(r.subject_subsystem_id)!.id }
        : { type: 'group' as const, code: groupCode.get(r.subject_group_id!)! },
    })),
    trustedCas: [{ pem: ca.root.certificatePem, fingerprintSha256: ca.rootFingerprint }],
    revokedCertificates: revoked.map((r) => ({
      serial: r.serial,
      revokedAt: new Date(r.revoked_at!).toISOString(),
      reason: r.revocation_reason,
    })),
    certificateStatusUrl,
  };
}

function groupBy<T, K>(items: T[], key: (t: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/**
 * The content serialised once: its JSON text and that text's SHA-256. The builder emits rows in
 * a fixed order with fields in a fixed order, so the same state always gives the same text.
 */
export interface PreparedContent {
  json: string;
  hash: string;
}

export function prepareContent(content: GlobalConfigurationContent): PreparedContent {
  const json = JSON.stringify(content);
  return { json, hash: createHash('sha256').update(json).digest('hex') };
}

export interface Envelope {
  serial: number;
  generatedAt: string;
  expiresAt: string;
  refreshSeconds: number;
}

/**
 * Signs a configuration as a JWS in flattened JSON serialisation (ES256, the configuration key).
 * Built from strings and Node's crypto rather than a generic JOSE library: the document is tens
 * of megabytes for a national federation, and every copy and re-encoding shows.
 */
export function signPrepared(
  prepared: PreparedContent,
  envelope: Envelope,
  ca: Pick<CaKeys, 'config' | 'configFingerprint'>,
): string {
  const head = JSON.stringify({ ...envelope, contentHash: prepared.hash });
  const payloadJson = prepared.json === '{}' ? head : `${head.slice(0, -1)},${prepared.json.slice(1)}`;
  const protectedHeader = Buffer.from(
    JSON.stringify({ alg: 'ES256', kid: ca.configFingerprint, typ: GLOBALCONF_JWS_TYPE }),
  ).toString('base64url');
  const payload = Buffer.from(payloadJson, 'utf8').toString('base64url');
  const signature = sign('sha256', Buffer.from(`${protectedHeader}.${payload}`), {
    key: signingKey(ca.config.privateKeyPem),
    dsaEncoding: 'ieee-p1363',
  }).toString('base64url');
  return `{"protected":"${protectedHeader}","payload":"${payload}","signature":"${signature}"}`;
}

const keyCache = new Map<string, KeyObject>();
function signingKey(pem: string): KeyObject {
  let key = keyCache.get(pem);
  if (!key) {
    key = createPrivateKey(pem);
    keyCache.set(pem, key);
  }
  return key;
}

export interface Published {
  serial: number;
  generatedAt: Date;
  expiresAt: Date;
  contentHash: string;
  document: string;
}

export async function publishConfiguration(
  ctx: RegistryContext,
  ca: CaKeys,
  settings: GlobalConfSettings,
): Promise<Published> {
  const now = ctx.clock.now();
  const prepared = await contentCache.get(ctx, ca, settings, now);
  const contentHash = prepared.hash;
  return ctx.db.transaction().execute(async (tx) => {
    const last = await tx
      .selectFrom('globalconf_versions')
      .select('serial')
      .orderBy('serial', 'desc')
      .forUpdate()
      .executeTakeFirst();
    const serial = (last?.serial ?? 0) + 1;
    const envelope: Envelope = {
      serial,
      generatedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + settings.validitySeconds * 1000).toISOString(),
      refreshSeconds: settings.refreshSeconds,
    };
    const document = signPrepared(prepared, envelope, ca);
    await tx
      .insertInto('globalconf_versions')
      .values({
        serial,
        generated_at: now,
        expires_at: envelope.expiresAt,
        content_hash: contentHash,
        document,
      })
      .execute();
    await tx
      .deleteFrom('globalconf_versions')
      .where('serial', '<=', serial - KEEP_VERSIONS)
      .execute();
    return { serial, generatedAt: now, expiresAt: new Date(envelope.expiresAt), contentHash, document };
  });
}

/**
 * Rebuilding the content of a national federation takes seconds; republishing it (a new serial
 * and expiry) takes a fraction of one. Every change to the registry writes an audit record, so the
 * newest audit id tells whether the content can have changed — on this node or any other sharing
 * the database. Certificates also age out by time, so the content is rebuilt at least every
 * REBUILD_AFTER_MS regardless.
 */
const REBUILD_AFTER_MS = 10 * 60_000;

class ContentCache {
  private readonly entries = new WeakMap<
    RegistryDb,
    { stamp: number; builtAt: number; prepared: PreparedContent }
  >();

  async get(
    ctx: RegistryContext,
    ca: CaKeys,
    settings: GlobalConfSettings,
    now: Date,
  ): Promise<PreparedContent> {
    const stampRow = await ctx.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst();
    const stamp = Number(stampRow?.id ?? 0);
    const cached = this.entries.get(ctx.db);
    if (cached && cached.stamp === stamp && now.getTime() - cached.builtAt < REBUILD_AFTER_MS)
      return cached.prepared;
    const prepared = prepareContent(
      await buildContent(ctx.db, ctx.instance, ca, settings.certificateStatusUrl, now),
    );
    this.entries.set(ctx.db, { stamp, builtAt: now.getTime(), prepared });
    return prepared;
  }
}

const contentCache = new ContentCache();

export async function latestConfiguration(db: RegistryDb): Promise<Published | null> {
  const row = await db
    .selectFrom('globalconf_versions')
    .selectAll()
    .orderBy('serial', 'desc')
    .executeTakeFirst();
  if (!row) return null;
  return {
    serial: row.serial,
    generatedAt: new Date(row.generated_at),
    expiresAt: new Date(row.expires_at),
    contentHash: row.content_hash,
    document: row.document,
  };
}

export function configurationAnchor(
  instance: string,
  ca: CaKeys,
  settings: GlobalConfSettings,
  now: Date,
): ConfigurationAnchor {
  return {
    formatVersion: GLOBALCONF_FORMAT_VERSION,
    instance,
    configurationUrl: settings.configurationUrl,
    signingCertificates: [ca.config.certificatePem],
    generatedAt: now.toISOString(),
  };
}
