/**
 * Typed message → edXML envelope. Output is deterministic: elements in the order the standard
 * lists them, every element `edXML:`-prefixed, two-space indentation, UTF-8, text escaped but
 * never normalised (Vietnamese in NFC or NFD comes back exactly as given).
 */
import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { EDXML_ERRORS, edxmlError } from './errors.ts';
import { bareContentId } from './rules.ts';
import {
  type Bussiness,
  DATE_PATTERN,
  EDXML_NAMESPACE,
  EDXML_PREFIX,
  EdxmlMessage,
  EdxmlStatus,
  LIENTHONG_EXT_NAMESPACE,
  type ManifestReference,
  type MessageHeader,
  type Organization,
  type ResponseFor,
  type StaffInfo,
  TIMESTAMP_PATTERN,
  type TraceHeaderList,
  XLINK_NAMESPACE,
} from './schema.ts';
import { checkMessage, checkStatus, jsonPointerOf, type Violation } from './validate.ts';

export function escapeText(s: string): string {
  return s.replace(/[&<>\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#xD;',
  );
}

export function escapeAttribute(s: string): string {
  const refs: Record<string, string> = {
    '&': '&amp;',
    '<': '&lt;',
    '>': '&gt;',
    '"': '&quot;',
    '\t': '&#x9;',
    '\n': '&#xA;',
    '\r': '&#xD;',
  };
  return s.replace(/[&<>"\t\n\r]/g, (c) => refs[c] ?? c);
}

/** Writes indented elements; a group that ends up empty becomes `<x/>`. */
class XmlWriter {
  private readonly lines: string[] = [];
  private depth = 0;

  private line(s: string): void {
    this.lines.push('  '.repeat(this.depth) + s);
  }

  group(name: string, body: () => void, attributes = '', prefixed = true): void {
    const q = prefixed ? `${EDXML_PREFIX}:${name}` : name;
    const at = this.lines.length;
    this.line(`<${q}${attributes}>`);
    this.depth++;
    body();
    this.depth--;
    if (this.lines.length === at + 1) this.lines[at] = `${'  '.repeat(this.depth)}<${q}${attributes}/>`;
    else this.line(`</${q}>`);
  }

  leaf(name: string, value: string | number | undefined): void {
    if (value === undefined) return;
    const q = `${EDXML_PREFIX}:${name}`;
    const text = escapeText(String(value));
    this.line(text === '' ? `<${q}/>` : `<${q}>${text}</${q}>`);
  }

  raw(s: string): void {
    this.line(s);
  }

  toString(): string {
    return `<?xml version="1.0" encoding="UTF-8"?>\n${this.lines.join('\n')}\n`;
  }
}

const ENVELOPE_ATTRIBUTES = ` xmlns:${EDXML_PREFIX}="${EDXML_NAMESPACE}"`;

function organization(w: XmlWriter, name: string, o: Organization): void {
  w.group(name, () => {
    w.leaf('OrganId', o.organId);
    w.leaf('OrganizationInCharge', o.organizationInCharge);
    w.leaf('OrganName', o.organName);
    w.leaf('OrganAdd', o.organAdd);
    w.leaf('Email', o.email);
    w.leaf('Telephone', o.telephone);
    w.leaf('Fax', o.fax);
    w.leaf('Website', o.website);
  });
}

function responseFor(w: XmlWriter, r: ResponseFor): void {
  w.group('ResponseFor', () => {
    w.leaf('OrganId', r.organId);
    w.leaf('Code', r.code);
    w.leaf('PromulgationDate', r.promulgationDate);
    w.leaf('DocumentId', r.documentId);
  });
}

function staffInfo(w: XmlWriter, s: StaffInfo | undefined): void {
  if (!s) return;
  w.group('StaffInfo', () => {
    w.leaf('Department', s.department);
    w.leaf('Staff', s.staff);
    w.leaf('Mobile', s.mobile);
    w.leaf('Email', s.email);
  });
}

function list(w: XmlWriter, wrapper: string, item: string, values: string[] | undefined): void {
  if (!values) return;
  w.group(wrapper, () => {
    for (const v of values) w.leaf(item, v);
  });
}

function messageHeader(w: XmlWriter, h: MessageHeader): void {
  w.group('MessageHeader', () => {
    organization(w, 'From', h.from);
    for (const to of h.to) organization(w, 'To', to);
    w.group('Code', () => {
      w.leaf('CodeNumber', h.code.codeNumber);
      w.leaf('CodeNotation', h.code.codeNotation);
    });
    w.group('PromulgationInfo', () => {
      w.leaf('Place', h.promulgationInfo.place);
      w.leaf('PromulgationDate', h.promulgationInfo.promulgationDate);
    });
    w.group('DocumentType', () => {
      w.leaf('Type', h.documentType.type);
      w.leaf('TypeName', h.documentType.typeName);
      w.leaf('TypeDetail', h.documentType.typeDetail);
    });
    w.leaf('Subject', h.subject);
    w.leaf('Content', h.content);
    const signer = h.signerInfo;
    if (signer) {
      w.group('SignerInfo', () => {
        w.leaf('Competence', signer.competence);
        w.leaf('Position', signer.position);
        w.leaf('FullName', signer.fullName);
      });
    }
    w.leaf('DueDate', h.dueDate);
    list(w, 'ToPlaces', 'Place', h.toPlaces);
    const other = h.otherInfo;
    if (other) {
      w.group('OtherInfo', () => {
        w.leaf('Priority', other.priority);
        w.leaf('SphereOfPromulgation', other.sphereOfPromulgation);
        w.leaf('TyperNotation', other.typerNotation);
        w.leaf('PromulgationAmount', other.promulgationAmount);
        w.leaf('PageAmount', other.pageAmount);
        list(w, 'Appendixes', 'Appendix', other.appendixes);
      });
    }
    for (const r of h.responseFor ?? []) responseFor(w, r);
    w.leaf('SteeringType', h.steeringType);
    w.leaf('DocumentId', h.documentId);
  });
}

function bussiness(w: XmlWriter, b: Bussiness): void {
  w.group('Bussiness', () => {
    w.leaf('BussinessDocType', b.bussinessDocType);
    w.leaf('BussinessDocReason', b.bussinessDocReason);
    const info = b.bussinessDocumentInfo;
    if (info) {
      w.group('BussinessDocumentInfo', () => {
        w.leaf('DocumentInfo', info.documentInfo);
        w.leaf('DocumentReceiver', info.documentReceiver);
        const receivers = info.receiverList;
        if (receivers) {
          w.group('ReceiverList', () => {
            for (const r of receivers) {
              w.group('Receiver', () => {
                w.leaf('ReceiverType', r.receiverType);
                w.leaf('OrganId', r.organId);
              });
            }
          });
        }
      });
    }
    w.leaf('DocumentId', b.documentId);
    staffInfo(w, b.staffInfo);
    w.leaf('Paper', b.paper);
    const replacements = b.replacementInfoList;
    if (replacements) {
      w.group('ReplacementInfoList', () => {
        for (const r of replacements) {
          w.group('ReplacementInfo', () => {
            w.leaf('DocumentId', r.documentId);
            list(w, 'OrganIdList', 'OrganId', r.organIdList);
          });
        }
      });
    }
  });
}

function traceHeaderList(w: XmlWriter, t: TraceHeaderList): void {
  w.group('TraceHeaderList', () => {
    for (const h of t.traceHeader ?? []) {
      w.group('TraceHeader', () => {
        w.leaf('OrganId', h.organId);
        w.leaf('Timestamp', h.timestamp);
      });
    }
    if (t.bussiness) bussiness(w, t.bussiness);
  });
}

function reference(w: XmlWriter, r: ManifestReference): void {
  const href = escapeAttribute(`cid:${bareContentId(r.contentId)}`);
  const attributes = ` xmlns:xlink="${XLINK_NAMESPACE}" xlink:href="${href}" xlink:type="simple"`;
  w.group(
    'Reference',
    () => {
      w.leaf('ContentId', r.contentId);
      w.leaf('ContentType', r.contentType);
      w.leaf('AttachmentName', r.attachmentName);
      w.leaf('Description', r.description);
      if (r.integrity) {
        w.raw(
          `<lt:Integrity xmlns:lt="${LIENTHONG_EXT_NAMESPACE}" size="${r.integrity.size}" sha256="${r.integrity.sha256}"/>`,
        );
      }
    },
    attributes,
  );
}

function assertBuildable<T>(schema: TSchema, value: T, check: (v: T) => Violation | undefined): void {
  const first = Value.Check(schema, value) ? undefined : Value.Errors(schema, value).First();
  if (first) {
    const pattern = (first.schema as { pattern?: string }).pattern;
    const code =
      first.type === ValueErrorType.ObjectRequiredProperty || first.value === undefined
        ? EDXML_ERRORS.missingElement
        : pattern === DATE_PATTERN || pattern === TIMESTAMP_PATTERN
          ? EDXML_ERRORS.badDate
          : EDXML_ERRORS.badValue;
    const path = first.path || '/';
    throw edxmlError(code, `${path}: ${first.message}.`, { path, rule: first.message });
  }
  const v = check(value);
  if (v) {
    const path = jsonPointerOf(v.path);
    throw edxmlError(v.code, `${path}: ${v.rule}.`, { path, rule: v.rule, ...v.extra });
  }
}

/** Builds the envelope of a document message; refuses (AppError) a message that breaks a rule. */
export function buildMessage(message: EdxmlMessage): string {
  assertBuildable(EdxmlMessage, message, checkMessage);
  const w = new XmlWriter();
  w.group(
    'edXMLEnvelope',
    () => {
      w.group('edXMLHeader', () => {
        messageHeader(w, message.messageHeader);
        if (message.traceHeaderList) traceHeaderList(w, message.traceHeaderList);
      });
      w.group('edXMLBody', () => {
        const manifest = message.manifest;
        if (manifest) {
          w.group(
            'edXMLManifest',
            () => {
              for (const r of manifest.reference ?? []) reference(w, r);
            },
            ' version="1.0"',
          );
        }
      });
    },
    ENVELOPE_ATTRIBUTES,
  );
  return w.toString();
}

/** Builds the envelope of a status message (header `Status`, empty body). */
export function buildStatus(status: EdxmlStatus): string {
  assertBuildable(EdxmlStatus, status, checkStatus);
  const w = new XmlWriter();
  w.group(
    'edXMLEnvelope',
    () => {
      w.group('edXMLHeader', () => {
        w.group('Status', () => {
          responseFor(w, status.responseFor);
          organization(w, 'From', status.from);
          w.leaf('StatusCode', status.statusCode);
          w.leaf('Description', status.description);
          w.leaf('Timestamp', status.timestamp);
          staffInfo(w, status.staffInfo);
        });
      });
      w.group('edXMLBody', () => {});
    },
    ENVELOPE_ATTRIBUTES,
  );
  return w.toString();
}
