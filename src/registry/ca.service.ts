import { CompactSign } from 'jose';
import { AppError, badInput, conflict, notFound } from '../kernel/errors.ts';
import {
  type CaMaterial,
  createRootCa,
  decryptPrivateKey,
  describeCertificate,
  encryptPrivateKey,
  generateKeyPair,
  importCa,
  issueCertificate,
  issueConfigurationSigningCertificate,
  loadPrivateKey,
  parseCsr,
  randomSerialNumber,
  toSigningCryptoKey,
} from '../kernel/pki/index.ts';
import { writeAudit } from './audit.ts';
import type { Actor, RegistryContext } from './context.ts';
import { findGatewayId, getGateway } from './gateways.service.ts';
import { findMemberId, getMember, type MemberRef, requireActsFor } from './members.service.ts';

/**
 * The platform certificate authority as the registry runs it: the root CA and the
 * configuration-signing key (both stored encrypted with the operator's passphrase), the
 * certificates issued to gateways (TLS authentication) and members (signing), revocation,
 * and the signed status answers gateways consult.
 */
export interface CaKeys {
  root: CaMaterial;
  rootFingerprint: string;
  /** Signs the global configuration; its certificate goes into the configuration anchor. */
  config: CaMaterial;
  configFingerprint: string;
}

export interface CaSetup {
  passphrase: string;
  /** Import an existing CA (production) instead of generating one (demo). */
  importCa?:
    | { certificatePem: string; privateKeyPem: string; keyPassphrase?: string | undefined }
    | undefined;
  commonName?: string | undefined;
}

const CA_VALIDITY_DAYS = 3650;
const CONFIG_CERT_VALIDITY_DAYS = 730;

/** Loads the CA from the database, creating or importing it on first start. */
export async function ensureCa(ctx: RegistryContext, setup: CaSetup): Promise<CaKeys> {
  const now = ctx.clock.now();
  const root = await loadActive(ctx, 'root', setup.passphrase);
  let rootMaterial: CaMaterial;
  if (root) {
    rootMaterial = root;
  } else {
    rootMaterial = setup.importCa
      ? await importCa(
          setup.importCa.certificatePem,
          await loadPrivateKey(setup.importCa.privateKeyPem, setup.importCa.keyPassphrase),
          undefined,
          now,
        )
      : await createRootCa({
          commonName: setup.commonName ?? 'Liên Thông Root CA',
          organization: 'Liên Thông',
          country: 'VN',
          validityDays: CA_VALIDITY_DAYS,
          now,
          serialRandom: ctx.random,
        });
    await store(ctx, 'root', rootMaterial, setup.passphrase);
  }
  let config = await loadActive(ctx, 'config', setup.passphrase);
  if (!config || describeCertificate(config.certificatePem, now).daysToExpiry < 30) {
    const keys = generateKeyPair();
    const certificatePem = await issueConfigurationSigningCertificate(rootMaterial, keys.publicKeyPem, {
      commonName: 'Liên Thông global configuration',
      validityDays: CONFIG_CERT_VALIDITY_DAYS,
      now,
      serial: randomSerialNumber(ctx.random),
    });
    config = { certificatePem, privateKeyPem: keys.privateKeyPem };
    await store(ctx, 'config', config, setup.passphrase);
  }
  return {
    root: rootMaterial,
    rootFingerprint: describeCertificate(rootMaterial.certificatePem, now).fingerprintSha256,
    config,
    configFingerprint: describeCertificate(config.certificatePem, now).fingerprintSha256,
  };
}

async function loadActive(
  ctx: RegistryContext,
  purpose: 'root' | 'config',
  passphrase: string,
): Promise<CaMaterial | null> {
  const row = await ctx.db
    .selectFrom('ca_keys')
    .select(['certificate_pem', 'encrypted_key'])
    .where('purpose', '=', purpose)
    .where('active', '=', true)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!row) return null;
  try {
    return {
      certificatePem: row.certificate_pem,
      privateKeyPem: await decryptPrivateKey(row.encrypted_key, passphrase),
    };
  } catch (err) {
    throw new AppError(
      'bad_input',
      'pki.wrong_passphrase',
      `Cannot unlock the stored ${purpose} key: the CA passphrase is wrong. Set the passphrase the registry was first started with (LIENTHONG_CA_PASSPHRASE).`,
      { cause: err },
    );
  }
}

async function store(
  ctx: RegistryContext,
  purpose: 'root' | 'config',
  m: CaMaterial,
  passphrase: string,
): Promise<void> {
  const d = describeCertificate(m.certificatePem, ctx.clock.now());
  const encrypted = await encryptPrivateKey(m.privateKeyPem, passphrase);
  await ctx.db.transaction().execute(async (tx) => {
    await tx.updateTable('ca_keys').set({ active: false }).where('purpose', '=', purpose).execute();
    await tx
      .insertInto('ca_keys')
      .values({
        purpose,
        certificate_pem: m.certificatePem,
        encrypted_key: encrypted,
        fingerprint: d.fingerprintSha256,
        not_after: d.notAfter,
        active: true,
        created_at: ctx.clock.now(),
      })
      .execute();
  });
}

export interface IssueInput extends MemberRef {
  csr: string;
  usage: 'auth' | 'sign';
  /** Required for `auth`: the gateway the TLS certificate is for. */
  gatewayCode?: string | undefined;
  validityDays?: number | undefined;
}

export interface IssuedCertificate {
  serial: string;
  usage: 'auth' | 'sign';
  memberId: string;
  gatewayCode: string | null;
  subject: string;
  fingerprintSha256: string;
  notBefore: string;
  notAfter: string;
  daysToExpiry: number;
  revokedAt: string | null;
  revocationReason: string | null;
  certificatePem: string;
}

export async function issueMemberCertificate(
  ctx: RegistryContext,
  ca: CaKeys,
  actor: Actor,
  input: IssueInput,
): Promise<IssuedCertificate> {
  await requireActsFor(ctx.db, actor, input);
  if (input.usage !== 'auth' && input.usage !== 'sign') {
    throw badInput('pki.invalid_usage', 'usage must be "auth" (gateway TLS) or "sign" (message signing).');
  }
  const validityDays = input.validityDays ?? (input.usage === 'auth' ? 365 : 730);
  if (!Number.isInteger(validityDays) || validityDays < 1 || validityDays > 1095) {
    throw badInput('pki.invalid_validity', 'validityDays must be a whole number between 1 and 1095.');
  }
  const csr = await parseCsr(input.csr);
  const member = await getMember(ctx.db, ctx.instance, input);
  let gatewayId: number | null = null;
  let dnsNames: string[] = [];
  let ipAddresses: string[] = [];
  if (input.usage === 'auth') {
    if (!input.gatewayCode) {
      throw badInput(
        'pki.gateway_required',
        'An authentication (TLS) certificate is issued to a gateway: give gatewayCode.',
      );
    }
    const ref = { ...input, gatewayCode: input.gatewayCode };
    gatewayId = await findGatewayId(ctx.db, ref);
    // The certificate names exactly the hosts the registry knows the gateway by.
    for (const address of (await getGateway(ctx.db, ctx.instance, ref)).addresses) {
      const host = new URL(address).hostname.replace(/^\[|\]$/g, '');
      if (/^[\d.]+$/.test(host) || host.includes(':')) ipAddresses.push(host);
      else dnsNames.push(host);
    }
    dnsNames = [...new Set(dnsNames)];
    ipAddresses = [...new Set(ipAddresses)];
  }
  const serial = randomSerialNumber(ctx.random);
  const now = ctx.clock.now();
  const certificatePem = await issueCertificate({
    ca: ca.root,
    publicKeyPem: csr.publicKeyPem,
    profile: input.usage,
    // X.520 bounds these fields at 64 characters; the full name stays in the registry.
    subject: {
      commonName: boundedCommonName(
        input.usage === 'auth' ? `${member.memberCode}/${input.gatewayCode}` : member.memberCode,
        input.gatewayCode,
      ),
      organization: [...member.nameVi].slice(0, 64).join(''),
      serialNumber: member.id,
      country: 'VN',
    },
    serialNumber: serial,
    notBefore: now,
    validityDays,
    dnsNames,
    ipAddresses,
  });
  const d = describeCertificate(certificatePem, now);
  const memberId = await findMemberId(ctx.db, input);
  await ctx.db.transaction().execute(async (tx) => {
    const live = await tx
      .selectFrom('certificates')
      .select(['serial', 'certificate_pem'])
      .where('member_id', '=', memberId)
      .where('usage', '=', input.usage)
      .where('revoked_at', 'is', null)
      .where('not_after', '>', now)
      .execute();
    // Re-using a key already certified for this member and usage would make revocation of one
    // certificate leave the key trusted through the other.
    for (const existing of live) {
      if (describeCertificate(existing.certificate_pem, now).publicKeyPem === d.publicKeyPem) {
        throw conflict(
          'pki.key_already_certified',
          `This key already has a valid ${input.usage} certificate (serial ${existing.serial}). Generate a new key, or revoke the old certificate first.`,
        );
      }
    }
    await tx
      .insertInto('certificates')
      .values({
        serial: d.serialNumber,
        usage: input.usage,
        member_id: memberId,
        gateway_id: gatewayId,
        subject: d.subject,
        certificate_pem: certificatePem,
        fingerprint: d.fingerprintSha256,
        not_before: d.notBefore,
        not_after: d.notAfter,
        issued_at: now,
        issued_by: actor.id,
      })
      .execute();
    await writeAudit(tx, actor, now, {
      action: 'certificate.issue',
      entityType: 'certificate',
      entityKey: d.serialNumber,
      after: {
        serial: d.serialNumber,
        usage: input.usage,
        subject: d.subject,
        notAfter: d.notAfter.toISOString(),
      },
    });
  });
  return getCertificate(ctx, d.serialNumber);
}

export async function revokeCertificate(
  ctx: RegistryContext,
  actor: Actor,
  serial: string,
  reason: string,
): Promise<IssuedCertificate> {
  const cert = await getCertificate(ctx, serial);
  const [, memberClass, memberCode] = cert.memberId.split('/');
  await requireActsFor(ctx.db, actor, { memberClass: memberClass!, memberCode: memberCode! });
  if (cert.revokedAt)
    throw conflict('pki.already_revoked', `Certificate ${serial} was already revoked at ${cert.revokedAt}.`);
  const cleanReason = (reason ?? '').trim() || 'unspecified';
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (tx) => {
    await tx
      .updateTable('certificates')
      .set({ revoked_at: now, revocation_reason: cleanReason })
      .where('serial', '=', cert.serial)
      .execute();
    await writeAudit(tx, actor, now, {
      action: 'certificate.revoke',
      entityType: 'certificate',
      entityKey: cert.serial,
      before: { revokedAt: null },
      after: { revokedAt: now.toISOString(), reason: cleanReason },
    });
  });
  return getCertificate(ctx, serial);
}

export async function getCertificate(ctx: RegistryContext, serial: string): Promise<IssuedCertificate> {
  const [c] = await queryCertificates(ctx, { serial: normalizeSerialInput(serial) });
  if (!c)
    throw notFound('pki.unknown_certificate', `No certificate with serial ${serial} was issued by this CA.`);
  return c;
}

export async function listCertificates(
  ctx: RegistryContext,
  member?: MemberRef,
): Promise<IssuedCertificate[]> {
  return queryCertificates(ctx, { member });
}

function normalizeSerialInput(serial: string): string {
  const s = serial
    .trim()
    .toLowerCase()
    .replace(/^0x/, '')
    .replace(/:/g, '')
    .replace(/^0+(?=.)/, '');
  if (!/^[0-9a-f]{1,40}$/.test(s))
    throw badInput('pki.invalid_serial', `"${serial}" is not a certificate serial number (hex).`);
  return s;
}

async function queryCertificates(
  ctx: RegistryContext,
  filter: { serial?: string | undefined; member?: MemberRef | undefined },
): Promise<IssuedCertificate[]> {
  let q = ctx.db
    .selectFrom('certificates as c')
    .innerJoin('members as m', 'm.id', 'c.member_id')
    .leftJoin('gateways as g', 'g.id', 'c.gateway_id')
    .selectAll('c')
    .select(['m.member_class', 'm.member_code', 'g.code as gateway_code']);
  if (filter.serial) q = q.where('c.serial', '=', filter.serial);
  if (filter.member) {
    q = q
      .where('m.member_class', '=', filter.member.memberClass)
      .where('m.member_code', '=', filter.member.memberCode);
  }
  const now = ctx.clock.now();
  const rows = await q.orderBy('c.issued_at', 'desc').execute();
  return rows.map((r) => ({
    serial: r.serial,
    usage: r.usage,
    memberId: `${ctx.instance}/${r.member_class}/${r.member_code}`,
    gatewayCode: r.gateway_code,
    subject: r.subject,
    fingerprintSha256: r.fingerprint,
    notBefore: new Date(r.not_before).toISOString(),
    notAfter: new Date(r.not_after).toISOString(),
    daysToExpiry: Math.floor((new Date(r.not_after).getTime() - now.getTime()) / 86_400_000),
    revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
    revocationReason: r.revocation_reason,
    certificatePem: r.certificate_pem,
  }));
}

export interface CertificateStatus {
  serial: string;
  status: 'good' | 'revoked' | 'unknown';
  revokedAt: string | null;
  reason: string | null;
  producedAt: string;
  nextUpdate: string;
}

/**
 * The answer gateways consult for a peer's certificate (the role OCSP plays in X-Road),
 * signed by the root CA so it can travel over any channel and be cached until nextUpdate.
 */
export async function certificateStatus(
  ctx: RegistryContext,
  ca: CaKeys,
  serial: string,
): Promise<{ status: CertificateStatus; jws: string }> {
  const s = normalizeSerialInput(serial);
  const row = await ctx.db
    .selectFrom('certificates')
    .select(['revoked_at', 'revocation_reason'])
    .where('serial', '=', s)
    .executeTakeFirst();
  const now = ctx.clock.now();
  const status: CertificateStatus = {
    serial: s,
    status: !row ? 'unknown' : row.revoked_at ? 'revoked' : 'good',
    revokedAt: row?.revoked_at ? new Date(row.revoked_at).toISOString() : null,
    reason: row?.revocation_reason ?? null,
    producedAt: now.toISOString(),
    nextUpdate: new Date(now.getTime() + 10 * 60_000).toISOString(),
  };
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(status)))
    .setProtectedHeader({ alg: 'ES256', kid: ca.rootFingerprint, typ: 'lienthong-cert-status+jwt' })
    .sign(await toSigningCryptoKey(ca.root.privateKeyPem));
  return { status, jws };
}

function boundedCommonName(commonName: string, fallback: string | undefined): string {
  if ([...commonName].length <= 64) return commonName;
  return [...(fallback ?? commonName)].slice(0, 64).join('');
}
