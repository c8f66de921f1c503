import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  verify,
  X509Certificate,
} from 'node:crypto';
import { verifyCertificate } from '../../kernel/pki/index.ts';
import { xroadErrors } from '../protocol/errors.ts';

/**
 * Signed evidence of each exchange between gateways. The consumer's gateway signs what it sends
 * (who, to which service, which body), the provider's gateway signs what it answers; each
 * verifies the other's signature with a member signing certificate that must chain to a CA of
 * the global configuration, be valid now, not be revoked, and belong to the member it speaks for.
 * A compact JWS (ES256) carrying the certificate in `x5c`, so a signature can be checked later
 * from the message log alone.
 */
export interface RequestEvidence {
  v: 1;
  kind: 'request';
  /** X-Road-Id: the message id. */
  id: string;
  /** X-Road-Request-Id: the consumer gateway's id for this exchange. */
  requestId: string;
  client: string;
  service: string;
  method: string;
  /** The service's own path and query. */
  path: string;
  userId: string | null;
  issue: string | null;
  requestHash: string;
  bodySha256: string;
  /** Signing time, ISO 8601. */
  ts: string;
}

export interface ResponseEvidence {
  v: 1;
  kind: 'response';
  id: string;
  requestId: string;
  requestHash: string;
  status: number;
  bodySha256: string;
  ts: string;
}

export type Evidence = RequestEvidence | ResponseEvidence;

export interface Signer {
  key: KeyObject;
  /** base64 DER of the signing certificate. */
  certificateDer: string;
}

export function loadSigner(privateKeyPem: string, certificatePem: string): Signer {
  return {
    key: createPrivateKey(privateKeyPem),
    certificateDer: new X509Certificate(certificatePem).raw.toString('base64'),
  };
}

const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function signEvidence(evidence: Evidence, signer: Signer): string {
  const header = b64u(
    JSON.stringify({ alg: 'ES256', typ: 'lienthong-evidence+jwt', x5c: [signer.certificateDer] }),
  );
  const payload = b64u(JSON.stringify(evidence));
  const input = `${header}.${payload}`;
  const signature = sign('sha256', Buffer.from(input), { key: signer.key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64u(signature)}`;
}

export interface TrustState {
  trustedRootsPem: string[];
  revokedSerials: ReadonlySet<string>;
}

interface KnownSigner {
  publicKey: KeyObject;
  memberId: string;
  serial: string;
  notBefore: number;
  notAfter: number;
}

/** Verifies evidence; certificates are checked fully once and then remembered by their bytes. */
export class EvidenceVerifier {
  private readonly known = new Map<string, KnownSigner>();
  private trust: TrustState;

  constructor(trust: TrustState) {
    this.trust = trust;
  }

  /** New CAs or revocations from a fresh global configuration. */
  update(trust: TrustState): void {
    if (trust.trustedRootsPem.join() !== this.trust.trustedRootsPem.join()) this.known.clear();
    this.trust = trust;
  }

  async verify<E extends Evidence>(
    jws: string | undefined,
    expectedMemberId: string,
    now: Date,
  ): Promise<{ evidence: E; serial: string }> {
    if (!jws) throw invalid('the message carries no signature');
    const parts = jws.split('.');
    if (parts.length !== 3) throw invalid('the signature is not a compact JWS');
    let header: { alg?: string; x5c?: string[] };
    let evidence: E;
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
      evidence = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    } catch {
      throw invalid('the signature is unreadable');
    }
    if (header.alg !== 'ES256' || !Array.isArray(header.x5c) || typeof header.x5c[0] !== 'string') {
      throw invalid('the signature must be ES256 and carry its certificate');
    }
    const signer = await this.signer(header.x5c[0], now);
    const t = now.getTime();
    if (t < signer.notBefore || t > signer.notAfter) {
      throw xroadErrors.certificateInvalid(`the signing certificate ${signer.serial} is not valid now`);
    }
    if (this.trust.revokedSerials.has(signer.serial)) {
      throw xroadErrors.certificateInvalid(`the signing certificate ${signer.serial} is revoked`);
    }
    if (signer.memberId !== expectedMemberId) {
      throw invalid(`the message was signed for ${signer.memberId}, not ${expectedMemberId}`);
    }
    const ok = verify(
      'sha256',
      Buffer.from(`${parts[0]}.${parts[1]}`),
      { key: signer.publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(parts[2]!, 'base64url'),
    );
    if (!ok) throw invalid('the signature does not match the message');
    return { evidence, serial: signer.serial };
  }

  private async signer(der: string, now: Date): Promise<KnownSigner> {
    const cached = this.known.get(der);
    if (cached) return cached;
    let pem: string;
    try {
      pem = new X509Certificate(Buffer.from(der, 'base64')).toString();
    } catch {
      throw invalid('the signing certificate is unreadable');
    }
    let d: Awaited<ReturnType<typeof verifyCertificate>>;
    try {
      d = await verifyCertificate(pem, {
        trustedRootsPem: this.trust.trustedRootsPem,
        now,
        requiredProfile: 'sign',
      });
    } catch (err) {
      throw xroadErrors.certificateInvalid((err as Error).message);
    }
    const memberId = d.subjectParts.serialNumber ?? '';
    const known: KnownSigner = {
      publicKey: createPublicKey(d.publicKeyPem),
      memberId,
      serial: d.serialNumber,
      notBefore: d.notBefore.getTime(),
      notAfter: d.notAfter.getTime(),
    };
    if (this.known.size > 10_000) this.known.clear();
    this.known.set(der, known);
    return known;
  }
}

function invalid(why: string) {
  return xroadErrors.signatureInvalid(why);
}
