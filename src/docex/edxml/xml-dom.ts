/**
 * Safe XML to DOM: size check, UTF-8 decoding, a pre-scan that refuses DTDs and caps depth and
 * element count, then xmldom for a namespace-aware tree (which xml-crypto canonicalises).
 */
import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';
import { isAppError } from '../../kernel/errors.ts';
import { EDXML_ERRORS, edxmlError } from './errors.ts';
import { scanAll } from './xml-scan.ts';

export interface XmlLimits {
  /** Largest accepted input in bytes (UTF-8). */
  maxBytes: number;
  /** Deepest element nesting, root = 1. */
  maxDepth: number;
  /** Most elements in one document. */
  maxElements: number;
}

/** Generous for an envelope (a header and a manifest; attachments travel outside it). */
export const DEFAULT_XML_LIMITS: XmlLimits = {
  maxBytes: 8 * 1024 * 1024,
  maxDepth: 32,
  maxElements: 100_000,
};

export const ELEMENT_NODE = 1;
export const TEXT_NODE = 3;
export const CDATA_SECTION_NODE = 4;
export const PROCESSING_INSTRUCTION_NODE = 7;
export const COMMENT_NODE = 8;

export function resolveLimits(limits: Partial<XmlLimits> | undefined): XmlLimits {
  return { ...DEFAULT_XML_LIMITS, ...limits };
}

function tooLarge(limit: string, max: number): Error {
  return edxmlError(EDXML_ERRORS.tooLarge, `The XML exceeds the ${limit} limit of ${max}.`, {
    rule: `${limit} at most ${max}`,
    limit,
    max,
  });
}

/** Decodes UTF-8 input (refusing invalid sequences) and drops a byte-order mark. */
export function decodeXmlInput(input: string | Uint8Array, maxBytes: number): string {
  let text: string;
  if (typeof input === 'string') {
    if (input.length > maxBytes || Buffer.byteLength(input, 'utf8') > maxBytes)
      throw tooLarge('size in bytes', maxBytes);
    text = input;
  } else {
    if (input.byteLength > maxBytes) throw tooLarge('size in bytes', maxBytes);
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch (cause) {
      throw edxmlError(
        EDXML_ERRORS.malformedXml,
        'The XML is not valid UTF-8.',
        { rule: 'UTF-8 encoding' },
        cause,
      );
    }
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Refuses what the DOM parser should never see: DTDs, processing instructions inside the root
 * (xml-crypto would canonicalise them as text), more depth or elements than allowed.
 */
export function prescan(xml: string, limits: XmlLimits): void {
  let elements = 0;
  scanAll(xml, { maxDepth: limits.maxDepth, maxTokenChars: limits.maxBytes }, (token, scanner) => {
    if (token.kind === 'start' && ++elements > limits.maxElements) {
      throw tooLarge('element count', limits.maxElements);
    }
    if (token.kind === 'pi' && scanner.depth > 0) {
      throw edxmlError(EDXML_ERRORS.malformedXml, 'Processing instructions are not accepted inside edXML.', {
        path: scanner.path,
        rule: 'no processing instruction inside the root element',
      });
    }
  });
}

/** Parses trusted-shape XML into a DOM after the pre-scan; every failure is a `docex.edxml.*` AppError. */
export function parseXmlDocument(
  input: string | Uint8Array,
  limits: Partial<XmlLimits> | undefined,
): { xml: string; doc: Document } {
  const resolved = resolveLimits(limits);
  const xml = decodeXmlInput(input, resolved.maxBytes);
  prescan(xml, resolved);
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (_level, message) => {
        throw new Error(message);
      },
    }).parseFromString(xml, 'text/xml');
  } catch (cause) {
    if (isAppError(cause)) throw cause;
    // xmldom reports namespace errors (an unbound prefix, say) that the pre-scan cannot see.
    const reason = String((cause as Error)?.message ?? cause)
      .replace(/^.*?caused Error: /s, '')
      .slice(0, 300);
    throw edxmlError(
      EDXML_ERRORS.malformedXml,
      `The XML is not well-formed: ${reason}`,
      { rule: reason },
      cause,
    );
  }
  if (!doc.documentElement) {
    throw edxmlError(EDXML_ERRORS.malformedXml, 'The XML has no root element.', { rule: 'a root element' });
  }
  return { xml, doc };
}

export function elementChildren(el: Element): Element[] {
  const out: Element[] = [];
  for (let n: Node | null = el.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType === ELEMENT_NODE) out.push(n as Element);
  }
  return out;
}

/** Concatenated text and CDATA of an element that must hold text only. */
export function textOnly(el: Element): string | undefined {
  let s = '';
  for (let n: Node | null = el.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType === TEXT_NODE || n.nodeType === CDATA_SECTION_NODE)
      s += (n as unknown as { data: string }).data;
    else if (n.nodeType === ELEMENT_NODE) return undefined;
  }
  return s;
}
