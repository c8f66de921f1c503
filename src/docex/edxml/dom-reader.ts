/**
 * Reading edXML elements out of a DOM with the standard's strictness: envelope elements must be
 * `edXML:` in the QCVN namespace; inside, elements are matched by local name in that namespace
 * (or none, as some systems write them), unknown elements are ignored, and every failure names
 * the element path.
 */
import type { Document, Element } from '@xmldom/xmldom';
import { EDXML_ERRORS, edxmlError } from './errors.ts';
import { EDXML_NAMESPACE, EDXML_PREFIX } from './schema.ts';
import { elementChildren, textOnly } from './xml-dom.ts';

const INTEGER_RE = /^[0-9]{1,9}$/;

/** Drops keys whose value is undefined, so parsed objects compare equal to what was built. */
export function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export class El {
  constructor(
    readonly node: Element,
    readonly path: string,
  ) {}

  private named(name: string): Element[] {
    return elementChildren(this.node).filter(
      (c) => c.localName === name && (c.namespaceURI === EDXML_NAMESPACE || c.namespaceURI === null),
    );
  }

  opt(name: string): El | undefined {
    const found = this.named(name);
    if (found.length > 1) {
      throw edxmlError(EDXML_ERRORS.duplicateElement, `<${name}> may appear only once in ${this.path}.`, {
        path: `${this.path}/${name}`,
        rule: 'at most one',
      });
    }
    const el = found[0];
    return el === undefined ? undefined : new El(el, `${this.path}/${name}`);
  }

  req(name: string): El {
    const el = this.opt(name);
    if (el === undefined) {
      throw edxmlError(EDXML_ERRORS.missingElement, `${this.path} must contain <${name}>.`, {
        path: `${this.path}/${name}`,
        rule: 'required element',
      });
    }
    return el;
  }

  all(name: string): El[] {
    return this.named(name).map((el, i) => new El(el, `${this.path}/${name}[${i + 1}]`));
  }

  text(): string {
    const s = textOnly(this.node);
    if (s === undefined) {
      throw edxmlError(EDXML_ERRORS.badValue, `${this.path} must contain text only.`, {
        path: this.path,
        rule: 'text only, no child elements',
      });
    }
    return s;
  }

  /** Free text, kept exactly as written (spaces, line breaks, Unicode form). */
  optText(name: string): string | undefined {
    return this.opt(name)?.text();
  }

  reqText(name: string): string {
    return this.req(name).text();
  }

  /** A code, date or identifier: surrounding spaces are layout, not data. Empty counts as absent. */
  optToken(name: string): string | undefined {
    const s = this.opt(name)?.text().trim();
    return s === '' ? undefined : s;
  }

  reqToken(name: string): string {
    return this.req(name).text().trim();
  }

  optInt(name: string): number | undefined {
    const el = this.opt(name);
    return el === undefined ? undefined : el.int(true);
  }

  reqInt(name: string): number {
    return this.req(name).int(false) as number;
  }

  private int(optional: boolean): number | undefined {
    const s = this.text().trim();
    if (s === '' && optional) return undefined;
    if (!INTEGER_RE.test(s)) {
      throw edxmlError(
        EDXML_ERRORS.badValue,
        `${this.path} must be a whole number, not "${s.slice(0, 40)}".`,
        {
          path: this.path,
          rule: 'a whole number (digits only)',
        },
      );
    }
    return Number(s);
  }

  /** Texts of a wrapper's repeated children (`ToPlaces/Place`), or undefined when the wrapper is absent. */
  optList(wrapper: string, item: string): string[] | undefined {
    return this.opt(wrapper)
      ?.all(item)
      .map((e) => e.text());
  }
}

/** Checks that an envelope element is `edXML:<name>` in the QCVN namespace. */
export function checkEnvelopeElement(el: Element, path: string): void {
  if (el.namespaceURI !== EDXML_NAMESPACE) {
    throw edxmlError(
      EDXML_ERRORS.badNamespace,
      `<${el.localName}> must be in the namespace ${EDXML_NAMESPACE}, not ${el.namespaceURI ?? 'none'}.`,
      { path, rule: `namespace ${EDXML_NAMESPACE}`, found: el.namespaceURI ?? null },
    );
  }
  if (el.prefix !== EDXML_PREFIX) {
    throw edxmlError(
      EDXML_ERRORS.badPrefix,
      `<${el.localName}> must be written with the prefix "${EDXML_PREFIX}:" (receivers reject it otherwise).`,
      { path, rule: `prefix ${EDXML_PREFIX}:`, found: el.prefix ?? null },
    );
  }
}

export interface EnvelopeParts {
  envelope: Element;
  header: Element;
  body: Element | undefined;
}

function single(parent: Element, name: string, path: string): Element | undefined {
  const found = elementChildren(parent).filter((c) => c.localName === name);
  if (found.length > 1) {
    throw edxmlError(EDXML_ERRORS.duplicateElement, `<${name}> may appear only once.`, {
      path: `${path}/${name}`,
      rule: 'at most one',
    });
  }
  if (found[0]) checkEnvelopeElement(found[0], `${path}/${name}`);
  return found[0];
}

/** Finds `edXML:edXMLEnvelope` › `edXML:edXMLHeader` (required) and `edXML:edXMLBody`. */
export function locateEnvelope(doc: Document): EnvelopeParts {
  const envelope = doc.documentElement;
  if (envelope?.localName !== 'edXMLEnvelope') {
    throw edxmlError(
      EDXML_ERRORS.unexpectedElement,
      `The root element must be edXML:edXMLEnvelope, not <${envelope?.tagName ?? ''}>.`,
      { path: envelope?.localName ?? '', rule: 'root element edXML:edXMLEnvelope' },
    );
  }
  checkEnvelopeElement(envelope, 'edXMLEnvelope');
  const header = single(envelope, 'edXMLHeader', 'edXMLEnvelope');
  if (!header) {
    throw edxmlError(EDXML_ERRORS.missingElement, 'The envelope must contain edXML:edXMLHeader.', {
      path: 'edXMLEnvelope/edXMLHeader',
      rule: 'required element',
    });
  }
  return { envelope, header, body: single(envelope, 'edXMLBody', 'edXMLEnvelope') };
}
