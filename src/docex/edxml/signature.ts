/**
 * XML-DSig for edXML: one enveloped signature, `Signature` in the XMLDSig namespace as the last
 * child of `edXML:edXMLHeader`, over the whole envelope (Reference URI=""), exclusive c14n,
 * SHA-256, ECDSA P-256 with the value as raw r‖s (XMLDSig 1.1), the signer's certificate in
 * KeyInfo/X509Data. xml-crypto provides the canonicalisation; ECDSA is done here with
 * node:crypto because xml-crypto does not ship it.
 *
 * The verifier accepts exactly the shape the signer produces. Everything else — other
 * algorithms, another Reference, a second Signature, a Signature elsewhere — is refused, which is
 * what closes the door on signature-wrapping attacks.
 */
import {
  createHash,
  createPublicKey,
  sign as ecdsaSign,
  verify as ecdsaVerify,
  type KeyObject,
  timingSafeEqual,
  X509Certificate,
} from 'node:crypto';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { isAppError } from '../../kernel/errors.ts';
import {
  assertP256,
  type CertificateDescription,
  describeCertificate,
  privateKeyObject,
  verifyCertificate,
} from '../../kernel/pki/index.ts';
import { locateEnvelope } from './dom-reader.ts';
import { EDXML_ERRORS, edxmlError } from './errors.ts';
import { readEnvelope } from './parse.ts';
import { elementChildren, parseXmlDocument, resolveLimits, type XmlLimits } from './xml-dom.ts';
import { scanAll } from './xml-scan.ts';

export const XMLDSIG_NAMESPACE = 'http://www.w3.org/2000/09/xmldsig#';
export const SIGNATURE_ALGORITHMS = {
  canonicalization: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  envelopedSignature: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  signature: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
  digest: 'http://www.w3.org/2001/04/xmlenc#sha256',
} as const;

export interface SignEnvelopeOptions {
  /** PKCS#8 or SEC1 PEM of the signer's P-256 key. */
  privateKeyPem: string;
  /** The signer's certificate (profile `sign`), PEM. */
  certificatePem: string;
  limits?: Partial<XmlLimits>;
}

export interface VerifyEnvelopeOptions {
  /** When given, the signer's certificate must be issued by one of these CAs and valid at `now`. */
  trustedCaPem?: string | string[];
  /** Defaults to the current time; pass the clock's time to control it. */
  now?: Date;
  /** Revocation check by canonical serial number (lower-case hex). */
  isRevoked?: (serialHex: string) => boolean;
  limits?: Partial<XmlLimits>;
}

export interface VerifiedSignature {
  certificatePem: string;
  signer: CertificateDescription;
}

const A = SIGNATURE_ALGORITHMS;

function bad(rule: string, cause?: unknown): Error {
  return edxmlError(
    EDXML_ERRORS.badSignature,
    `The envelope signature is not valid: ${rule}.`,
    { rule },
    cause,
  );
}

function canonicalize(el: Element): string {
  try {
    return new ExclusiveCanonicalization().process(el as never, {}) as string;
  } catch (cause) {
    throw bad('the signed content cannot be canonicalised', cause);
  }
}

function signedInfoXml(digest: string): string {
  return (
    `<SignedInfo><CanonicalizationMethod Algorithm="${A.canonicalization}"/>` +
    `<SignatureMethod Algorithm="${A.signature}"/>` +
    `<Reference URI=""><Transforms><Transform Algorithm="${A.envelopedSignature}"/>` +
    `<Transform Algorithm="${A.canonicalization}"/></Transforms>` +
    `<DigestMethod Algorithm="${A.digest}"/><DigestValue>${digest}</DigestValue></Reference></SignedInfo>`
  );
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });

function readCertificate(pem: string | Buffer, onError: (cause: unknown) => Error): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (cause) {
    throw onError(cause);
  }
}

/** Offset of `</edXML:edXMLHeader>` in the source, where the signature goes. */
function headerEndOffset(xml: string, limits: XmlLimits): number {
  let offset = -1;
  scanAll(xml, { maxDepth: limits.maxDepth, maxTokenChars: limits.maxBytes }, (t) => {
    if (t.kind === 'end' && t.depth === 2 && t.name === 'edXML:edXMLHeader' && offset < 0) offset = t.offset;
  });
  return offset;
}

/**
 * The key and certificate checked once per pair and then remembered: a node signs thousands of
 * envelopes with the same key, and parsing PEM and comparing keys costs more than signing.
 */
const materials = new Map<string, { key: KeyObject; certificateDer: string }>();

function signingMaterial(
  privateKeyPem: string,
  certificatePem: string,
): { key: KeyObject; certificateDer: string } {
  const id = `${privateKeyPem}\n${certificatePem}`;
  const known = materials.get(id);
  if (known) return known;
  const key = privateKeyObject(privateKeyPem);
  assertP256(key, 'signing key');
  const cert = readCertificate(certificatePem, (cause) =>
    edxmlError(
      EDXML_ERRORS.keyMismatch,
      'The signing certificate cannot be read.',
      { rule: 'a PEM certificate' },
      cause,
    ),
  );
  let matches = false;
  try {
    matches = spki(cert.publicKey).equals(spki(createPublicKey(key)));
  } catch {
    // An unreadable certificate key cannot match the signing key; reported just below.
  }
  if (!matches) {
    throw edxmlError(
      EDXML_ERRORS.keyMismatch,
      'The signing key does not belong to the signing certificate.',
      {
        rule: "the key pair of the certificate's public key",
      },
    );
  }
  const material = { key, certificateDer: cert.raw.toString('base64') };
  if (materials.size >= 32) materials.clear();
  materials.set(id, material);
  return material;
}

/**
 * Certificates whose chain to a trusted root was verified, by root set and certificate. The
 * chain check (an ASN.1 parse and a signature) is the costly part and does not change; validity
 * at `now` and revocation are checked on every call, and a failure there goes through the full
 * check again so its error is the precise one.
 */
const trustedChains = new Map<string, CertificateDescription>();

async function trustedSigner(
  certificatePem: string,
  roots: string[],
  now: Date,
  isRevoked: ((serialHex: string) => boolean) | undefined,
): Promise<CertificateDescription> {
  const id = `${roots.join('\n')}\n${certificatePem}`;
  const known = trustedChains.get(id);
  const t = now.getTime();
  if (
    known &&
    t >= known.notBefore.getTime() &&
    t <= known.notAfter.getTime() &&
    !(isRevoked?.(known.serialNumber) ?? false)
  ) {
    return known;
  }
  const d = await verifyCertificate(certificatePem, {
    trustedRootsPem: roots,
    now,
    requiredProfile: 'sign',
    ...(isRevoked ? { isRevoked } : {}),
  });
  if (trustedChains.size >= 1000) trustedChains.clear();
  trustedChains.set(id, d);
  return d;
}

/**
 * Signs an envelope (document or status message) and returns it with the Signature inserted;
 * the rest of the text is left byte for byte as it was.
 */
export function signEnvelope(xml: string | Uint8Array, options: SignEnvelopeOptions): string {
  const limits = resolveLimits(options.limits);
  const { xml: text, doc } = parseXmlDocument(xml, limits);
  readEnvelope(locateEnvelope(doc));
  if (doc.getElementsByTagNameNS(XMLDSIG_NAMESPACE, 'Signature').length > 0) {
    throw edxmlError(EDXML_ERRORS.alreadySigned, 'The envelope already carries a signature.', {
      path: 'edXMLEnvelope/edXMLHeader/Signature',
      rule: 'one signature per envelope',
    });
  }
  const { key, certificateDer } = signingMaterial(options.privateKeyPem, options.certificatePem);
  const digest = sha256(canonicalize(doc.documentElement as Element)).toString('base64');
  const signedInfo = signedInfoXml(digest);
  const standalone = new DOMParser().parseFromString(
    `<Signature xmlns="${XMLDSIG_NAMESPACE}">${signedInfo}</Signature>`,
    'text/xml',
  );
  const signedInfoEl = elementChildren(standalone.documentElement as Element)[0] as Element;
  const value = ecdsaSign('sha256', Buffer.from(canonicalize(signedInfoEl), 'utf8'), {
    key,
    dsaEncoding: 'ieee-p1363',
  }).toString('base64');
  const signature =
    `<Signature xmlns="${XMLDSIG_NAMESPACE}">${signedInfo}<SignatureValue>${value}</SignatureValue>` +
    `<KeyInfo><X509Data><X509Certificate>${certificateDer}</X509Certificate></X509Data></KeyInfo></Signature>`;
  const at = headerEndOffset(text, limits);
  return text.slice(0, at) + signature + text.slice(at);
}

function dsChildren(el: Element, names: string[], where: string): Element[] {
  const kids = elementChildren(el);
  const ok =
    kids.length === names.length &&
    kids.every((k, i) => k.namespaceURI === XMLDSIG_NAMESPACE && k.localName === names[i]);
  if (!ok) throw bad(`${where} must contain exactly ${names.join(', ')}`);
  return kids;
}

function algorithm(el: Element | undefined, expected: string, what: string): void {
  if (!el || el.getAttribute('Algorithm') !== expected || elementChildren(el).length > 0) {
    throw bad(`${what} must be ${expected}`);
  }
}

function base64(el: Element | undefined, what: string): Buffer {
  const s = (el?.textContent ?? '').replace(/\s+/g, '');
  if (s.length === 0 || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(s))
    throw bad(`${what} is not base64`);
  return Buffer.from(s, 'base64');
}

const signerCache = new Map<string, { cert: X509Certificate; key: KeyObject }>();

function signerCertificate(keyInfo: Element | undefined): { cert: X509Certificate; key: KeyObject } {
  const [x509Data] = dsChildren(keyInfo as Element, ['X509Data'], 'KeyInfo');
  const certs = elementChildren(x509Data as Element).filter(
    (c) => c.namespaceURI === XMLDSIG_NAMESPACE && c.localName === 'X509Certificate',
  );
  if (certs.length !== 1) throw bad('X509Data must carry exactly one X509Certificate, the signer’s');
  const der = base64(certs[0], 'X509Certificate');
  const id = der.toString('base64');
  const known = signerCache.get(id);
  if (known) return known;
  const cert = readCertificate(der, (cause) => bad('the X509Certificate cannot be read', cause));
  let key: KeyObject;
  try {
    // A certificate can parse while its key does not: node only decodes the key on access.
    key = cert.publicKey;
  } catch (cause) {
    throw bad('the public key in the X509Certificate cannot be read', cause);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw bad('the signer’s key must be ECDSA P-256');
  }
  if (signerCache.size >= 1000) signerCache.clear();
  signerCache.set(id, { cert, key });
  return { cert, key };
}

/**
 * Verifies the envelope's signature and returns the signer. Throws `docex.edxml.unsigned`,
 * `docex.edxml.bad_signature` or, with `trustedCaPem`, `docex.edxml.untrusted_signer`.
 */
export async function verifyEnvelope(
  xml: string | Uint8Array,
  options: VerifyEnvelopeOptions = {},
): Promise<VerifiedSignature> {
  const { doc } = parseXmlDocument(xml, options.limits);
  const { envelope, header } = locateEnvelope(doc);
  const all = doc.getElementsByTagNameNS(XMLDSIG_NAMESPACE, 'Signature');
  if (all.length === 0) {
    throw edxmlError(EDXML_ERRORS.unsigned, 'The envelope is not signed.', {
      path: 'edXMLEnvelope/edXMLHeader/Signature',
      rule: 'an XML-DSig Signature in edXML:edXMLHeader',
    });
  }
  const sig = all.item(0) as Element;
  if (all.length > 1) throw bad('an envelope carries exactly one Signature');
  if (sig.parentNode !== header) throw bad('the Signature must be a child of edXML:edXMLHeader');
  const [signedInfo, signatureValue, keyInfo] = dsChildren(
    sig,
    ['SignedInfo', 'SignatureValue', 'KeyInfo'],
    'Signature',
  );
  const [c14nMethod, sigMethod, reference] = dsChildren(
    signedInfo as Element,
    ['CanonicalizationMethod', 'SignatureMethod', 'Reference'],
    'SignedInfo',
  );
  algorithm(c14nMethod, A.canonicalization, 'CanonicalizationMethod');
  algorithm(sigMethod, A.signature, 'SignatureMethod');
  const ref = reference as Element;
  if (!ref.hasAttribute('URI') || ref.getAttribute('URI') !== '' || ref.attributes.length !== 1) {
    throw bad('the Reference must be URI="" (the whole envelope) and nothing else');
  }
  const [transforms, digestMethod, digestValue] = dsChildren(
    ref,
    ['Transforms', 'DigestMethod', 'DigestValue'],
    'Reference',
  );
  const steps = dsChildren(transforms as Element, ['Transform', 'Transform'], 'Transforms');
  algorithm(steps[0], A.envelopedSignature, 'the first Transform');
  algorithm(steps[1], A.canonicalization, 'the second Transform');
  algorithm(digestMethod, A.digest, 'DigestMethod');
  const claimedDigest = base64(digestValue, 'DigestValue');
  const value = base64(signatureValue, 'SignatureValue');
  if (value.length !== 64) throw bad('an ECDSA P-256 SignatureValue is r‖s, 64 bytes');
  const { cert, key } = signerCertificate(keyInfo);

  const signedBytes = Buffer.from(canonicalize(signedInfo as Element), 'utf8');
  header.removeChild(sig);
  const digest = sha256(canonicalize(envelope));
  if (digest.length !== claimedDigest.length || !timingSafeEqual(digest, claimedDigest)) {
    throw bad('the digest does not match: the envelope was changed after signing');
  }
  if (!ecdsaVerify('sha256', signedBytes, { key, dsaEncoding: 'ieee-p1363' }, value)) {
    throw bad('the SignatureValue does not verify with the certificate’s key');
  }
  const certificatePem = cert.toString();
  const now = options.now ?? new Date();
  if (options.trustedCaPem !== undefined) {
    const roots = Array.isArray(options.trustedCaPem) ? options.trustedCaPem : [options.trustedCaPem];
    try {
      await trustedSigner(certificatePem, roots, now, options.isRevoked);
    } catch (cause) {
      if (!isAppError(cause)) throw cause;
      throw edxmlError(
        EDXML_ERRORS.untrustedSigner,
        `The signer's certificate is not trusted: ${cause.message}`,
        {
          rule: 'a sign certificate issued by a trusted CA, valid now',
          reason: cause.code,
          ...cause.details,
        },
        cause,
      );
    }
  }
  return { certificatePem, signer: describedAt(certificatePem, now) };
}

const descriptions = new Map<string, CertificateDescription>();

/** describeCertificate, parsed once per certificate; the fields that depend on `now` are recomputed. */
function describedAt(certificatePem: string, now: Date): CertificateDescription {
  let d = descriptions.get(certificatePem);
  if (!d) {
    d = describeCertificate(certificatePem, now);
    if (descriptions.size >= 1000) descriptions.clear();
    descriptions.set(certificatePem, d);
  }
  return {
    ...d,
    daysToExpiry: Math.floor((d.notAfter.getTime() - now.getTime()) / 86_400_000),
    expired: now > d.notAfter,
    notYetValid: now < d.notBefore,
  };
}
