/**
 * The transport package: the envelope, then each attachment as Base64 in
 * `AttachmentEncoded/Attachment/ContentTransferEncoded`, all under one `edXML` root in the QCVN
 * namespace (the layout of the ministry's SDK samples):
 *
 *   <edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
 *     <edXML:edXMLEnvelope …>…</edXML:edXMLEnvelope>
 *     <AttachmentEncoded><Attachment><ContentId/>…<ContentTransferEncoded>…</…></Attachment></AttachmentEncoded>
 *   </edXML>
 *
 * The writer streams: attachments are read, hashed and encoded a chunk at a time. The envelope
 * is embedded unchanged except for `xmlns=""` on its root when it declares no default namespace,
 * so that it means the same inside the package as alone (and its signature still verifies).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Base64Encoder } from './base64.ts';
import { escapeText } from './build.ts';
import { locateEnvelope } from './dom-reader.ts';
import { EDXML_ERRORS, edxmlError } from './errors.ts';
import { readEnvelope } from './parse.ts';
import { bareContentId } from './rules.ts';
import { EDXML_NAMESPACE, type ManifestReference } from './schema.ts';
import { parseXmlDocument, resolveLimits, type XmlLimits } from './xml-dom.ts';
import { XmlScanner } from './xml-scan.ts';

export {
  type AttachmentInfo,
  type ReadPackageOptions,
  type ReadPackageResult,
  readPackage,
} from './package-reader.ts';

/** Per attachment, what was actually carried: decoded size and SHA-256 (hex). */
export interface AttachmentDigest {
  /** As written in the manifest. */
  contentId: string;
  size: number;
  sha256: string;
}

export type ByteSource = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

export interface AttachmentSource {
  /** The manifest's ContentId, with or without `cid:`. */
  contentId: string;
  /** The bytes, e.g. a file Readable; read once, a chunk at a time. */
  content: ByteSource;
}

export interface PackageWriterOptions {
  /** Refuse an attachment that turns out larger than this many bytes. */
  maxAttachmentBytes?: number;
  limits?: Partial<XmlLimits>;
}

export interface PackageStream {
  stream: Readable;
  /** Settles when the stream has been read to the end, in manifest order. */
  digests: Promise<AttachmentDigest[]>;
}

export const DEFAULT_MAX_ATTACHMENT_BYTES = 1024 * 1024 * 1024;

function mismatch(rule: string, path: string, extra: Record<string, unknown> = {}): Error {
  return edxmlError(EDXML_ERRORS.attachmentMismatch, `The attachments do not match the manifest: ${rule}.`, {
    path,
    rule,
    ...extra,
  });
}

/** Pairs each manifest reference with exactly one source, refusing missing, extra and repeated ones. */
function pairAttachments(refs: ManifestReference[], sources: AttachmentSource[]): AttachmentSource[] {
  const byId = new Map<string, AttachmentSource>();
  for (const s of sources) {
    const id = bareContentId(s.contentId);
    if (byId.has(id)) throw mismatch(`attachment ${s.contentId} is given twice`, 'AttachmentEncoded');
    byId.set(id, s);
  }
  const paired = refs.map((r, i) => {
    const s = byId.get(bareContentId(r.contentId));
    if (!s) {
      throw mismatch(
        `no content for ${r.contentId}`,
        `edXMLEnvelope/edXMLBody/edXMLManifest/Reference[${i + 1}]`,
      );
    }
    byId.delete(bareContentId(r.contentId));
    return s;
  });
  const extra = [...byId.values()][0];
  if (extra) throw mismatch(`attachment ${extra.contentId} is not in the manifest`, 'AttachmentEncoded');
  return paired;
}

/** The envelope as it goes inside the package: no XML declaration, default namespace pinned. */
function embeddable(xml: string, limits: XmlLimits): string {
  const scanner = new XmlScanner({ maxDepth: limits.maxDepth, maxTokenChars: limits.maxBytes });
  scanner.push(xml);
  for (let t = scanner.next(true); t !== undefined; t = scanner.next(true)) {
    if (t.kind !== 'start') continue;
    const body = xml.slice(t.offset).trimEnd();
    if (t.attributes.some((a) => a.name === 'xmlns')) return body;
    const at = 1 + t.name.length;
    return `${body.slice(0, at)} xmlns=""${body.slice(at)}`;
  }
  return xml;
}

async function* attachmentChunks(
  ref: ManifestReference,
  index: number,
  source: AttachmentSource,
  maxBytes: number,
  digests: AttachmentDigest[],
): AsyncGenerator<Buffer> {
  const path = `AttachmentEncoded/Attachment[${index + 1}]`;
  let head = `<Attachment>\n<ContentId>${escapeText(ref.contentId)}</ContentId>\n`;
  head += `<ContentType>${escapeText(ref.contentType)}</ContentType>\n`;
  head += `<AttachmentName>${escapeText(ref.attachmentName)}</AttachmentName>\n`;
  if (ref.description !== undefined) head += `<Description>${escapeText(ref.description)}</Description>\n`;
  yield Buffer.from(`${head}<ContentTransferEncoded>`, 'utf8');
  const hash = createHash('sha256');
  const encoder = new Base64Encoder();
  let size = 0;
  for await (const chunk of source.content) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    size += bytes.byteLength;
    if (size > maxBytes) {
      throw edxmlError(
        EDXML_ERRORS.attachmentTooLarge,
        `Attachment ${ref.contentId} exceeds ${maxBytes} bytes.`,
        {
          path,
          rule: `at most ${maxBytes} bytes`,
          max: maxBytes,
        },
      );
    }
    hash.update(bytes);
    const text = encoder.push(bytes);
    if (text.length > 0) yield Buffer.from(text, 'latin1');
  }
  yield Buffer.from(`${encoder.end()}</ContentTransferEncoded>\n</Attachment>\n`, 'latin1');
  const digest = { contentId: ref.contentId, size, sha256: hash.digest('hex') };
  if (ref.integrity && (ref.integrity.size !== size || ref.integrity.sha256 !== digest.sha256)) {
    throw mismatch(`the content of ${ref.contentId} differs from the size and digest in the manifest`, path, {
      expected: ref.integrity,
      found: { size, sha256: digest.sha256 },
    });
  }
  digests.push(digest);
}

/**
 * Streams the package for an envelope (document or status message, signed or not) and its
 * attachments. The envelope and the pairing with the manifest are checked before anything is
 * produced; attachment problems found while streaming (too large, not matching the manifest's
 * digest) fail the stream.
 */
export function writePackage(
  envelopeXml: string | Uint8Array,
  attachments: AttachmentSource[],
  options: PackageWriterOptions = {},
): PackageStream {
  const limits = resolveLimits(options.limits);
  const { xml, doc } = parseXmlDocument(envelopeXml, limits);
  const parsed = readEnvelope(locateEnvelope(doc));
  const refs = parsed.kind === 'message' ? (parsed.message.manifest?.reference ?? []) : [];
  const sources = pairAttachments(refs, attachments);
  const maxBytes = options.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
  const envelope = embeddable(xml, limits);

  let settle: { resolve: (d: AttachmentDigest[]) => void; reject: (e: unknown) => void } | undefined;
  const digests = new Promise<AttachmentDigest[]>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // The stream reports the same failure; this only keeps an unobserved promise from crashing the process.
  digests.catch(() => {});

  async function* chunks(): AsyncGenerator<Buffer> {
    const done: AttachmentDigest[] = [];
    try {
      yield Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?>\n<edXML xmlns="${EDXML_NAMESPACE}">\n`,
        'utf8',
      );
      yield Buffer.from(`${envelope}\n`, 'utf8');
      if (refs.length > 0) {
        yield Buffer.from('<AttachmentEncoded>\n', 'utf8');
        for (const [i, ref] of refs.entries()) {
          yield* attachmentChunks(ref, i, sources[i] as AttachmentSource, maxBytes, done);
        }
        yield Buffer.from('</AttachmentEncoded>\n', 'utf8');
      }
      yield Buffer.from('</edXML>\n', 'utf8');
      settle?.resolve(done);
    } catch (e) {
      settle?.reject(e);
      throw e;
    } finally {
      settle?.reject(new Error('The package stream was closed before it was read to the end.'));
    }
  }

  return { stream: Readable.from(chunks(), { objectMode: false }), digests };
}
