/**
 * A small incremental XML tokenizer. It exists for three jobs a DOM parser cannot do: refusing
 * DTDs and oversized or over-deep input before any tree is built, finding exact offsets in the
 * source (to insert a signature without re-serialising), and reading a transport package of any
 * size chunk by chunk. It checks well-formedness of what it reads (matching tags, names,
 * attributes, references, characters) but knows nothing about namespaces.
 */
import { EDXML_ERRORS, edxmlError } from './errors.ts';
import { describeChar, invalidXmlCharIndex } from './rules.ts';

export interface XmlAttribute {
  name: string;
  value: string;
}

interface Located {
  /** Source text of the token, exactly as read. */
  raw: string;
  /** Offset of the token in the whole input, in UTF-16 code units. */
  offset: number;
}

export type XmlToken =
  | (Located & {
      kind: 'start';
      name: string;
      attributes: XmlAttribute[];
      selfClosing: boolean;
      depth: number;
    })
  | (Located & { kind: 'end'; name: string; depth: number })
  | (Located & { kind: 'text'; text: string })
  | (Located & { kind: 'cdata'; text: string })
  | (Located & { kind: 'comment' })
  | (Located & { kind: 'pi'; target: string });

export interface ScanLimits {
  /** Deepest element nesting, root = 1. */
  maxDepth: number;
  /** Longest single markup token (tag, comment, CDATA section, PI). */
  maxTokenChars: number;
}

const NAME_PART = '[A-Za-z_\\u00C0-\\uFFFF][\\w.\\-\\u00B7\\u00C0-\\uFFFF]*';
const NAME_RE = new RegExp(`^${NAME_PART}(?::${NAME_PART})?$`);
const ATTRIBUTE_RE = /\s+([^\s=/>]+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;
const ENCODING_RE = /\sencoding\s*=\s*["']([^"']*)["']/;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function localName(qname: string): string {
  const i = qname.indexOf(':');
  return i < 0 ? qname : qname.slice(i + 1);
}

export class XmlScanner {
  private buf = '';
  /** Offset of buf[0] in the whole input. */
  private base = 0;
  private pos = 0;
  /** Absolute offset from which to keep looking for the end of an incomplete markup token. */
  private resume = -1;
  private resumeQuote = 0;
  private readonly stack: string[] = [];
  private rootSeen = false;
  private rootDone = false;

  constructor(private readonly limits: ScanLimits) {}

  /** Element names from the root to the current element, without prefixes: for error paths. */
  get path(): string {
    return this.stack.map(localName).join('/');
  }

  get depth(): number {
    return this.stack.length;
  }

  push(chunk: string): void {
    if (this.pos > 0) {
      this.buf = this.buf.slice(this.pos);
      this.base += this.pos;
      this.pos = 0;
    }
    this.buf += chunk;
  }

  /**
   * The next complete token, or undefined when more input is needed (`final` false) or the input
   * is exhausted (`final` true). Text is returned in pieces as it arrives, so a long text node
   * never has to be held whole.
   */
  next(final: boolean): XmlToken | undefined {
    if (this.pos >= this.buf.length) return undefined;
    if (this.buf.charCodeAt(this.pos) !== 0x3c /* < */) return this.text(final);
    const rest = this.buf.length - this.pos;
    if (this.buf.startsWith('<!--', this.pos)) return this.delimited(4, '-->', 'comment', final);
    if (this.buf.startsWith('<![CDATA[', this.pos)) return this.delimited(9, ']]>', 'cdata', final);
    if (this.buf.startsWith('<?', this.pos)) return this.delimited(2, '?>', 'pi', final);
    if (this.buf.startsWith('<!', this.pos)) {
      if (!final && rest < 9) return undefined;
      const head = this.buf.slice(this.pos, this.pos + 9).toUpperCase();
      if (head.startsWith('<!DOCTYPE') || head.startsWith('<!ENTITY')) {
        throw edxmlError(EDXML_ERRORS.dtdNotAllowed, 'DOCTYPE and ENTITY declarations are not accepted.', {
          path: this.path,
          rule: 'no document type declaration (protects against XXE and entity expansion)',
          offset: this.base + this.pos,
        });
      }
      throw this.malformed('markup starting with "<!" is neither a comment nor a CDATA section');
    }
    return this.tag(final);
  }

  /** Checks that the input ended with one complete root element. */
  finish(): void {
    if (this.pos < this.buf.length) throw this.malformed('unexpected end of input');
    if (this.stack.length > 0) {
      throw this.malformed(`element <${this.stack[this.stack.length - 1]}> is not closed`);
    }
    if (!this.rootSeen) throw this.malformed('there is no root element');
  }

  private malformed(rule: string): Error {
    return edxmlError(EDXML_ERRORS.malformedXml, `The XML is not well-formed: ${rule}.`, {
      path: this.path,
      rule,
      offset: this.base + this.pos,
    });
  }

  private tooLarge(limit: string, max: number): Error {
    return edxmlError(EDXML_ERRORS.tooLarge, `The XML exceeds the ${limit} limit of ${max}.`, {
      path: this.path,
      rule: `${limit} at most ${max}`,
      limit,
      max,
    });
  }

  private text(final: boolean): XmlToken | undefined {
    let end = this.buf.indexOf('<', this.pos);
    if (end < 0) {
      end = this.buf.length;
      if (!final) {
        // Keep back what the next chunk may complete: a reference, or a CR whose LF is coming.
        const amp = this.buf.lastIndexOf('&', end - 1);
        if (amp >= this.pos && this.buf.indexOf(';', amp) < 0) end = amp;
        if (end > this.pos && this.buf.charCodeAt(end - 1) === 0x0d) end -= 1;
        if (end <= this.pos) return undefined;
      }
    }
    const raw = this.buf.slice(this.pos, end);
    const offset = this.base + this.pos;
    if (this.stack.length === 0 && !/^[ \t\r\n]*$/.test(raw)) {
      throw this.malformed(this.rootDone ? 'text after the root element' : 'text before the root element');
    }
    const text = this.decode(raw, false);
    this.pos = end;
    return { kind: 'text', text, raw, offset };
  }

  private delimited(
    open: number,
    close: string,
    kind: 'comment' | 'cdata' | 'pi',
    final: boolean,
  ): XmlToken | undefined {
    const from = Math.max(this.pos + open, this.resume - this.base - close.length);
    const at = this.buf.indexOf(close, from);
    if (at < 0) {
      if (this.buf.length - this.pos > this.limits.maxTokenChars) {
        throw this.tooLarge('markup token length', this.limits.maxTokenChars);
      }
      if (final) throw this.malformed(`unterminated ${kind === 'pi' ? 'processing instruction' : kind}`);
      this.resume = this.base + this.buf.length;
      return undefined;
    }
    this.resume = -1;
    const end = at + close.length;
    const raw = this.buf.slice(this.pos, end);
    const offset = this.base + this.pos;
    if (end - this.pos > this.limits.maxTokenChars)
      throw this.tooLarge('markup token length', this.limits.maxTokenChars);
    let token: XmlToken;
    if (kind === 'comment') {
      this.decode(raw, false, true);
      token = { kind, raw, offset };
    } else if (kind === 'cdata') {
      if (this.stack.length === 0) throw this.malformed('CDATA section outside the root element');
      token = { kind, raw, offset, text: this.decode(raw.slice(9, -3), false, true) };
    } else {
      const target = /^<\?([^\s?]+)/.exec(raw)?.[1] ?? '';
      if (!NAME_RE.test(target)) throw this.malformed('processing instruction without a valid target');
      if (target.toLowerCase() === 'xml') this.declaration(raw, offset);
      this.decode(raw, false, true);
      token = { kind, raw, offset, target };
    }
    this.pos = end;
    return token;
  }

  private declaration(raw: string, offset: number): void {
    if (offset !== 0 || raw.slice(0, 6) !== '<?xml ') {
      throw this.malformed('the XML declaration may only appear at the very start');
    }
    const encoding = ENCODING_RE.exec(raw)?.[1];
    if (encoding !== undefined && encoding.toUpperCase() !== 'UTF-8') {
      throw this.malformed(`encoding "${encoding}" is not supported; edXML is UTF-8`);
    }
  }

  private tag(final: boolean): XmlToken | undefined {
    // Resuming where the previous chunk ended keeps a tag split over many chunks linear.
    let quote = this.resume >= 0 ? this.resumeQuote : 0;
    let at = -1;
    const limit = Math.min(this.buf.length, this.pos + this.limits.maxTokenChars + 1);
    for (let i = Math.max(this.pos + 1, this.resume - this.base); i < limit; i++) {
      const c = this.buf.charCodeAt(i);
      if (quote !== 0) {
        if (c === quote) quote = 0;
      } else if (c === 0x22 || c === 0x27) {
        quote = c;
      } else if (c === 0x3e /* > */) {
        at = i;
        break;
      } else if (c === 0x3c /* < */) {
        throw this.malformed('"<" inside a tag');
      }
    }
    if (at < 0) {
      if (limit - this.pos > this.limits.maxTokenChars)
        throw this.tooLarge('markup token length', this.limits.maxTokenChars);
      if (final) throw this.malformed('unterminated tag');
      this.resume = this.base + limit;
      this.resumeQuote = quote;
      return undefined;
    }
    this.resume = -1;
    const raw = this.buf.slice(this.pos, at + 1);
    const offset = this.base + this.pos;
    const token = raw.charCodeAt(1) === 0x2f /* / */ ? this.endTag(raw, offset) : this.startTag(raw, offset);
    this.pos = at + 1;
    return token;
  }

  private endTag(raw: string, offset: number): XmlToken {
    const name = raw.slice(2, -1).trimEnd();
    const open = this.stack[this.stack.length - 1];
    if (open === undefined) throw this.malformed(`closing tag </${name}> without an open element`);
    if (name !== open) throw this.malformed(`closing tag </${name}> does not match <${open}>`);
    const depth = this.stack.length;
    this.stack.pop();
    if (this.stack.length === 0) this.rootDone = true;
    return { kind: 'end', name, raw, offset, depth };
  }

  private startTag(raw: string, offset: number): XmlToken {
    const selfClosing = raw.endsWith('/>');
    const inner = raw.slice(1, selfClosing ? -2 : -1);
    const name = /^[^\s/>]*/.exec(inner)?.[0] ?? '';
    if (!NAME_RE.test(name)) throw this.malformed(`"${name.slice(0, 40)}" is not a valid element name`);
    const attributes: XmlAttribute[] = [];
    ATTRIBUTE_RE.lastIndex = name.length;
    let end = name.length;
    for (let m = ATTRIBUTE_RE.exec(inner); m !== null; m = ATTRIBUTE_RE.exec(inner)) {
      const attrName = m[1] ?? '';
      if (!NAME_RE.test(attrName))
        throw this.malformed(`"${attrName.slice(0, 40)}" is not a valid attribute name`);
      if (attributes.some((a) => a.name === attrName))
        throw this.malformed(`attribute ${attrName} is repeated`);
      attributes.push({ name: attrName, value: this.decode(m[2] ?? m[3] ?? '', true) });
      end = ATTRIBUTE_RE.lastIndex;
    }
    if (!/^\s*$/.test(inner.slice(end))) throw this.malformed(`malformed attributes in <${name}>`);
    if (this.stack.length === 0 && this.rootDone) throw this.malformed('a second root element');
    this.rootSeen = true;
    const depth = this.stack.length + 1;
    if (depth > this.limits.maxDepth) throw this.tooLarge('element depth', this.limits.maxDepth);
    if (selfClosing) {
      if (depth === 1) this.rootDone = true;
    } else {
      this.stack.push(name);
    }
    return { kind: 'start', name, attributes, selfClosing, raw, offset, depth };
  }

  /** Applies XML end-of-line handling and resolves references; rejects characters XML forbids. */
  private decode(raw: string, attribute: boolean, literal = false): string {
    const bad = invalidXmlCharIndex(raw);
    if (bad >= 0) throw this.malformed(`character ${describeChar(raw, bad)} is not allowed in XML`);
    let s = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
    if (attribute) s = s.replace(/[\t\n]/g, ' ');
    if (literal || !s.includes('&')) return s;
    let out = '';
    let from = 0;
    for (let amp = s.indexOf('&'); amp >= 0; amp = s.indexOf('&', from)) {
      const semi = s.indexOf(';', amp);
      const ref = semi < 0 ? '' : s.slice(amp + 1, semi);
      out += s.slice(from, amp) + this.reference(ref);
      from = semi + 1;
    }
    return out + s.slice(from);
  }

  private reference(ref: string): string {
    const named = PREDEFINED[ref];
    if (named !== undefined) return named;
    const m = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(ref);
    if (m) {
      const cp = m[1] !== undefined ? Number.parseInt(m[1], 16) : Number(m[2]);
      const ch = cp <= 0x10ffff ? String.fromCodePoint(cp) : '\u0000';
      if (cp >= 0xd800 && cp <= 0xdfff) throw this.malformed(`character reference &${ref}; is a surrogate`);
      if (invalidXmlCharIndex(ch) < 0) return ch;
      throw this.malformed(`character reference &${ref}; is not allowed in XML`);
    }
    throw this.malformed(
      ref === '' ? '"&" must start a reference' : `undefined entity &${ref.slice(0, 40)};`,
    );
  }
}

/** Runs the scanner over a whole string, calling `visit` for every token. */
export function scanAll(
  xml: string,
  limits: ScanLimits,
  visit: (token: XmlToken, scanner: XmlScanner) => void,
): void {
  const scanner = new XmlScanner(limits);
  scanner.push(xml);
  for (let t = scanner.next(true); t !== undefined; t = scanner.next(true)) visit(t, scanner);
  scanner.finish();
}
