/**
 * Reading a transport package incrementally: the envelope is collected (it is small and bounded)
 * and parsed as soon as it is complete; each attachment's Base64 is decoded piece by piece into a
 * sink the caller opens, hashed on the way, and never held whole. Accepts a package (`edXML`
 * root) or a bare envelope (no attachments).
 */
import { createHash, type Hash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { TextDecoder } from 'node:util';
import { isAppError } from '../../kernel/errors.ts';
import { Base64Decoder } from './base64.ts';
import { escapeAttribute } from './build.ts';
import { EDXML_ERRORS, edxmlError } from './errors.ts';
import type { AttachmentDigest, ByteSource } from './package.ts';
import { type ParsedEdxml, parseEdxml } from './parse.ts';
import { bareContentId } from './rules.ts';
import type { ManifestReference } from './schema.ts';
import { resolveLimits, type XmlLimits } from './xml-dom.ts';
import { localName, type XmlAttribute, XmlScanner, type XmlToken } from './xml-scan.ts';

export interface AttachmentInfo {
  /** As written in the manifest. */
  contentId: string;
  reference: ManifestReference;
  /** Position in the manifest, from 0. */
  index: number;
}

export interface ReadPackageOptions {
  /** Where an attachment's decoded bytes go; destroyed with the error if reading fails midway. */
  openAttachment: (info: AttachmentInfo) => Writable | Promise<Writable>;
  /** Called once the envelope is read, before any attachment byte: the place to verify the signature. */
  onEnvelope?: (envelope: ParsedEdxml, envelopeXml: string) => void | Promise<void>;
  /** Decoded size limit per attachment; default 1 GiB. */
  maxAttachmentBytes?: number;
  /** Limits for the envelope (its size, depth, element count). */
  limits?: Partial<XmlLimits>;
}

export interface ReadPackageResult {
  /** The envelope as a standalone document, ready for `verifyEnvelope`. */
  envelopeXml: string;
  envelope: ParsedEdxml;
  /** In manifest order. */
  attachments: AttachmentDigest[];
}

const FIELDS = new Set(['ContentId', 'ContentType', 'AttachmentName', 'Description']);
const MAX_FIELD_CHARS = 64 * 1024;

interface OpenContent {
  ref: ManifestReference;
  sink: Writable;
  decoder: Base64Decoder;
  hash: Hash;
  size: number;
  /** A sink error seen between writes; kept so it is reported, not left to crash the process. */
  failure?: Error;
}

/** Resolves on 'drain'; rejects if the sink fails or closes first. */
function drained(sink: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      sink.off('drain', onDrain);
      sink.off('error', done);
      sink.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('The attachment sink closed while data was still being written.'));
    sink.on('drain', onDrain);
    sink.on('error', done);
    sink.on('close', onClose);
  });
}

interface AttachmentState {
  index: number;
  path: string;
  fields: Map<string, string>;
  field?: { name: string; text: string };
  content?: OpenContent;
  contentSeen: boolean;
}

const bad = (rule: string, path: string) =>
  edxmlError(EDXML_ERRORS.badPackage, `The package is not laid out as edXML expects: ${rule}.`, {
    path,
    rule,
  });

const mismatch = (rule: string, path: string, extra: Record<string, unknown> = {}) =>
  edxmlError(EDXML_ERRORS.attachmentMismatch, `The attachments do not match the manifest: ${rule}.`, {
    path,
    rule,
    ...extra,
  });

class PackageReader {
  private readonly limits: XmlLimits;
  private readonly maxAttachmentBytes: number;
  private rootNamespaces: XmlAttribute[] = [];
  private capture?: { parts: string[]; chars: number; depth: number };
  private envelopeXml?: string;
  private envelope?: ParsedEdxml;
  private refs = new Map<string, { ref: ManifestReference; index: number }>();
  private attachmentSections = 0;
  private attachmentCount = 0;
  private inAttachments = false;
  private current?: AttachmentState;
  private skipDepth = 0;
  private readonly digests = new Map<string, AttachmentDigest>();

  constructor(private readonly options: ReadPackageOptions) {
    this.limits = resolveLimits(options.limits);
    this.maxAttachmentBytes = options.maxAttachmentBytes ?? 1024 * 1024 * 1024;
  }

  async handle(t: XmlToken): Promise<void> {
    if (this.skipDepth > 0) {
      if (t.kind === 'end' && t.depth === this.skipDepth) this.skipDepth = 0;
      return;
    }
    if (this.capture) return this.captureToken(t);
    if (t.kind === 'start') return this.start(t);
    if (t.kind === 'end') return this.end(t);
    if (t.kind === 'text' || t.kind === 'cdata') return this.text(t.text);
  }

  private skip(t: XmlToken & { kind: 'start' }): void {
    if (!t.selfClosing) this.skipDepth = t.depth;
  }

  private async start(t: XmlToken & { kind: 'start' }): Promise<void> {
    const name = localName(t.name);
    if (t.depth === 1) {
      if (name === 'edXMLEnvelope') return this.beginEnvelope(t);
      if (name !== 'edXML') throw bad('the root element is edXML (or a bare edXML:edXMLEnvelope)', name);
      this.rootNamespaces = t.attributes.filter((a) => a.name === 'xmlns' || a.name.startsWith('xmlns:'));
      return;
    }
    if (t.depth === 2 && name === 'edXMLEnvelope') {
      if (this.envelopeXml !== undefined) throw bad('a package carries one envelope', 'edXML/edXMLEnvelope');
      return this.beginEnvelope(t);
    }
    if (t.depth === 2 && name === 'AttachmentEncoded') {
      if (this.envelope === undefined)
        throw bad('the envelope comes before the attachments', 'edXML/AttachmentEncoded');
      if (++this.attachmentSections > 1)
        throw bad('one AttachmentEncoded section', 'edXML/AttachmentEncoded');
      this.inAttachments = !t.selfClosing;
      return;
    }
    if (t.depth === 3 && this.inAttachments && name === 'Attachment') {
      this.attachmentCount += 1;
      const path = `edXML/AttachmentEncoded/Attachment[${this.attachmentCount}]`;
      this.current = { index: this.attachmentCount, path, fields: new Map(), contentSeen: false };
      if (t.selfClosing) this.finishAttachment();
      return;
    }
    const a = this.current;
    if (t.depth === 4 && a && FIELDS.has(name)) {
      if (a.fields.has(name)) throw bad(`<${name}> appears twice`, `${a.path}/${name}`);
      if (t.selfClosing) a.fields.set(name, '');
      else a.field = { name, text: '' };
      return;
    }
    if (t.depth === 4 && a && name === 'ContentTransferEncoded') {
      await this.openContent(a);
      if (t.selfClosing) await this.closeContent(a);
      return;
    }
    this.skip(t);
  }

  private async end(t: XmlToken & { kind: 'end' }): Promise<void> {
    const a = this.current;
    if (t.depth === 4 && a?.field) {
      a.fields.set(a.field.name, a.field.text);
      a.field = undefined;
    } else if (t.depth === 4 && a?.content) {
      await this.closeContent(a);
    } else if (t.depth === 3 && a) {
      this.finishAttachment();
    } else if (t.depth === 2 && this.inAttachments) {
      this.inAttachments = false;
    }
  }

  private async text(text: string): Promise<void> {
    const a = this.current;
    if (a?.content) return this.writeContent(a, a.content, text);
    if (a?.field) {
      a.field.text += text;
      if (a.field.text.length > MAX_FIELD_CHARS) throw bad(`<${a.field.name}> is too long`, a.path);
      return;
    }
    if (!/^[ \t\n]*$/.test(text)) throw bad('text outside the known elements', a?.path ?? 'edXML');
  }

  /** Starts collecting the envelope; namespaces declared on the package root move onto it. */
  private async beginEnvelope(t: XmlToken & { kind: 'start' }): Promise<void> {
    const own = new Set(t.attributes.map((a) => a.name));
    const inherited = this.rootNamespaces
      .filter((a) => !own.has(a.name))
      .map((a) => ` ${a.name}="${escapeAttribute(a.value)}"`)
      .join('');
    const at = 1 + t.name.length;
    const raw = t.raw.slice(0, at) + inherited + t.raw.slice(at);
    this.capture = { parts: [raw], chars: raw.length, depth: t.depth };
    if (t.selfClosing) return this.finishEnvelope();
  }

  private async captureToken(t: XmlToken): Promise<void> {
    const c = this.capture as NonNullable<PackageReader['capture']>;
    c.parts.push(t.raw);
    c.chars += t.raw.length;
    if (c.chars > this.limits.maxBytes) {
      throw edxmlError(EDXML_ERRORS.tooLarge, `The envelope exceeds ${this.limits.maxBytes} bytes.`, {
        path: 'edXMLEnvelope',
        rule: `envelope at most ${this.limits.maxBytes} bytes`,
        limit: 'size in bytes',
        max: this.limits.maxBytes,
      });
    }
    if (t.kind === 'end' && t.depth === c.depth) await this.finishEnvelope();
  }

  private async finishEnvelope(): Promise<void> {
    const xml = (this.capture as NonNullable<PackageReader['capture']>).parts.join('');
    this.capture = undefined;
    const envelope = parseEdxml(xml, { limits: this.limits });
    this.envelopeXml = xml;
    this.envelope = envelope;
    const refs = envelope.kind === 'message' ? (envelope.message.manifest?.reference ?? []) : [];
    refs.forEach((ref, index) => {
      this.refs.set(bareContentId(ref.contentId), { ref, index });
    });
    await this.options.onEnvelope?.(envelope, xml);
  }

  private async openContent(a: AttachmentState): Promise<void> {
    const path = `${a.path}/ContentTransferEncoded`;
    if (a.contentSeen) throw bad('one ContentTransferEncoded per Attachment', path);
    a.contentSeen = true;
    const id = a.fields.get('ContentId')?.trim();
    if (!id) throw bad('ContentId must come before ContentTransferEncoded', path);
    const entry = this.refs.get(bareContentId(id));
    if (!entry) throw mismatch(`attachment ${id} is not in the manifest`, path);
    if (this.digests.has(bareContentId(id))) throw mismatch(`attachment ${id} appears twice`, path);
    const sink = await this.options.openAttachment({
      contentId: entry.ref.contentId,
      reference: entry.ref,
      index: entry.index,
    });
    const content: OpenContent = {
      ref: entry.ref,
      sink,
      decoder: new Base64Decoder(path),
      hash: createHash('sha256'),
      size: 0,
    };
    sink.on('error', (e: Error) => {
      content.failure = e;
    });
    a.content = content;
  }

  private async writeContent(a: AttachmentState, c: OpenContent, text: string): Promise<void> {
    const bytes = c.decoder.push(text);
    if (bytes.length === 0) return;
    c.size += bytes.length;
    if (c.size > this.maxAttachmentBytes) {
      throw edxmlError(
        EDXML_ERRORS.attachmentTooLarge,
        `Attachment ${c.ref.contentId} exceeds ${this.maxAttachmentBytes} bytes.`,
        {
          path: `${a.path}/ContentTransferEncoded`,
          rule: `at most ${this.maxAttachmentBytes} bytes`,
          max: this.maxAttachmentBytes,
        },
      );
    }
    c.hash.update(bytes);
    if (c.failure) throw c.failure;
    if (!c.sink.write(bytes)) await drained(c.sink);
  }

  private async closeContent(a: AttachmentState): Promise<void> {
    const c = a.content as OpenContent;
    c.decoder.end();
    c.sink.end();
    await finished(c.sink);
    a.content = undefined;
    const digest = { contentId: c.ref.contentId, size: c.size, sha256: c.hash.digest('hex') };
    const claimed = c.ref.integrity;
    if (claimed && (claimed.size !== digest.size || claimed.sha256 !== digest.sha256)) {
      throw mismatch(
        `the content of ${c.ref.contentId} differs from the size and digest in the manifest`,
        a.path,
        {
          expected: claimed,
          found: { size: digest.size, sha256: digest.sha256 },
        },
      );
    }
    this.digests.set(bareContentId(c.ref.contentId), digest);
  }

  private finishAttachment(): void {
    const a = this.current as AttachmentState;
    this.current = undefined;
    if (!a.contentSeen) throw bad('an Attachment carries ContentTransferEncoded', a.path);
    const id = bareContentId(a.fields.get('ContentId')?.trim() ?? '');
    const ref = this.refs.get(id)?.ref as ManifestReference;
    for (const [field, key] of [
      ['ContentType', 'contentType'],
      ['AttachmentName', 'attachmentName'],
    ] as const) {
      const given = a.fields.get(field);
      if (given !== undefined && given.trim() !== ref[key].trim()) {
        throw mismatch(`${field} of ${ref.contentId} differs from the manifest`, `${a.path}/${field}`);
      }
    }
  }

  /** Called with any failure: a half-written attachment's sink is destroyed so the caller can discard it. */
  abort(error: unknown): void {
    const sink = this.current?.content?.sink;
    if (sink && !sink.destroyed) sink.destroy(error instanceof Error ? error : new Error(String(error)));
  }

  result(): ReadPackageResult {
    if (this.envelope === undefined || this.envelopeXml === undefined) {
      throw bad('the package contains an edXML:edXMLEnvelope', 'edXML/edXMLEnvelope');
    }
    const attachments: AttachmentDigest[] = [];
    for (const { ref, index } of this.refs.values()) {
      const d = this.digests.get(bareContentId(ref.contentId));
      if (!d) {
        throw mismatch(
          `no attachment for ${ref.contentId}`,
          `edXMLEnvelope/edXMLBody/edXMLManifest/Reference[${index + 1}]`,
        );
      }
      attachments.push(d);
    }
    return { envelopeXml: this.envelopeXml, envelope: this.envelope, attachments };
  }
}

/** Reads a package from a byte stream (e.g. an HTTP request body); see `ReadPackageOptions`. */
export async function readPackage(
  source: ByteSource,
  options: ReadPackageOptions,
): Promise<ReadPackageResult> {
  const reader = new PackageReader(options);
  const limits = resolveLimits(options.limits);
  const scanner = new XmlScanner({ maxDepth: limits.maxDepth + 1, maxTokenChars: limits.maxBytes });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const drain = async (final: boolean) => {
    for (let t = scanner.next(final); t !== undefined; t = scanner.next(final)) await reader.handle(t);
  };
  try {
    for await (const chunk of source) {
      scanner.push(typeof chunk === 'string' ? chunk : decode(decoder, chunk, true));
      await drain(false);
    }
    scanner.push(decode(decoder, new Uint8Array(0), false));
    await drain(true);
    scanner.finish();
    return reader.result();
  } catch (e) {
    reader.abort(e);
    throw e;
  }
}

function decode(decoder: TextDecoder, bytes: Uint8Array, stream: boolean): string {
  try {
    return decoder.decode(bytes, { stream });
  } catch (cause) {
    if (isAppError(cause)) throw cause;
    throw edxmlError(
      EDXML_ERRORS.malformedXml,
      'The package is not valid UTF-8.',
      { rule: 'UTF-8 encoding' },
      cause,
    );
  }
}
