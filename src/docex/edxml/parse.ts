/**
 * edXML envelope → typed message. A document message carries `edXMLHeader/MessageHeader`; a
 * status message is the same envelope whose header carries `Status` instead (and whose body is
 * empty). Both are checked against the rules in validate.ts after reading.
 */
import { compact, El, type EnvelopeParts, locateEnvelope } from './dom-reader.ts';
import { EDXML_ERRORS, edxmlError } from './errors.ts';
import { isSha256Hex } from './rules.ts';
import {
  type Bussiness,
  type EdxmlMessage,
  type EdxmlStatus,
  LIENTHONG_EXT_NAMESPACE,
  type ManifestReference,
  type MessageHeader,
  type Organization,
  type ResponseFor,
  type StaffInfo,
  type StatusCode,
  type TraceHeaderList,
  XLINK_NAMESPACE,
} from './schema.ts';
import { checkMessage, checkStatus, type Violation, xmlPathOf } from './validate.ts';
import { elementChildren, parseXmlDocument, type XmlLimits } from './xml-dom.ts';

export interface ParseOptions {
  limits?: Partial<XmlLimits>;
}

export type ParsedEdxml =
  | { kind: 'message'; message: EdxmlMessage }
  | { kind: 'status'; status: EdxmlStatus };

function organization(el: El): Organization {
  return compact({
    organId: el.reqToken('OrganId'),
    organizationInCharge: el.optText('OrganizationInCharge'),
    organName: el.optText('OrganName'),
    organAdd: el.optText('OrganAdd'),
    email: el.optText('Email'),
    telephone: el.optText('Telephone'),
    fax: el.optText('Fax'),
    website: el.optText('Website'),
  });
}

function responseFor(el: El): ResponseFor {
  return {
    organId: el.reqToken('OrganId'),
    code: el.reqToken('Code'),
    promulgationDate: el.reqToken('PromulgationDate'),
    documentId: el.reqToken('DocumentId'),
  };
}

function staffInfo(el: El | undefined): StaffInfo | undefined {
  if (!el) return undefined;
  return compact({
    department: el.optText('Department'),
    staff: el.optText('Staff'),
    mobile: el.optText('Mobile'),
    email: el.optText('Email'),
  });
}

function messageHeader(h: El): MessageHeader {
  const code = h.req('Code');
  const promulgation = h.req('PromulgationInfo');
  const type = h.req('DocumentType');
  const signer = h.opt('SignerInfo');
  const other = h.opt('OtherInfo');
  const to = h.all('To');
  if (to.length === 0) {
    throw edxmlError(EDXML_ERRORS.missingElement, 'MessageHeader must name at least one receiver <To>.', {
      path: `${h.path}/To`,
      rule: 'at least one',
    });
  }
  const responses = h.all('ResponseFor').map(responseFor);
  return compact({
    from: organization(h.req('From')),
    to: to.map(organization),
    code: { codeNumber: code.reqToken('CodeNumber'), codeNotation: code.reqToken('CodeNotation') },
    promulgationInfo: compact({
      place: promulgation.optText('Place'),
      promulgationDate: promulgation.reqToken('PromulgationDate'),
    }),
    documentType: compact({
      type: type.reqInt('Type'),
      typeName: type.reqText('TypeName'),
      typeDetail: type.optText('TypeDetail'),
    }),
    subject: h.reqText('Subject'),
    content: h.optText('Content'),
    signerInfo:
      signer &&
      compact({
        competence: signer.optText('Competence'),
        position: signer.optText('Position'),
        fullName: signer.optText('FullName'),
      }),
    dueDate: h.optToken('DueDate'),
    toPlaces: h.optList('ToPlaces', 'Place'),
    otherInfo:
      other &&
      compact({
        priority: other.optInt('Priority'),
        sphereOfPromulgation: other.optText('SphereOfPromulgation'),
        typerNotation: other.optText('TyperNotation'),
        promulgationAmount: other.optInt('PromulgationAmount'),
        pageAmount: other.optInt('PageAmount'),
        appendixes: other.optList('Appendixes', 'Appendix'),
      }),
    responseFor: responses.length > 0 ? responses : undefined,
    steeringType: h.optInt('SteeringType'),
    documentId: h.reqToken('DocumentId'),
  });
}

function bussiness(b: El): Bussiness {
  const info = b.opt('BussinessDocumentInfo');
  const replacements = b.opt('ReplacementInfoList');
  return compact({
    bussinessDocType: b.reqInt('BussinessDocType'),
    bussinessDocReason: b.optText('BussinessDocReason'),
    bussinessDocumentInfo:
      info &&
      compact({
        documentInfo: info.optInt('DocumentInfo'),
        documentReceiver: info.optInt('DocumentReceiver'),
        receiverList: info
          .opt('ReceiverList')
          ?.all('Receiver')
          .map((r) => ({ receiverType: r.reqInt('ReceiverType'), organId: r.reqToken('OrganId') })),
      }),
    documentId: b.optToken('DocumentId'),
    staffInfo: staffInfo(b.opt('StaffInfo')),
    paper: b.optInt('Paper'),
    replacementInfoList: replacements?.all('ReplacementInfo').map((r) => ({
      documentId: r.reqToken('DocumentId'),
      organIdList: (r.optList('OrganIdList', 'OrganId') ?? []).map((s) => s.trim()),
    })),
  });
}

function traceHeaderList(t: El): TraceHeaderList {
  const hops = t
    .all('TraceHeader')
    .map((h) => ({ organId: h.reqToken('OrganId'), timestamp: h.reqToken('Timestamp') }));
  const b = t.opt('Bussiness');
  return compact({ traceHeader: hops.length > 0 ? hops : undefined, bussiness: b && bussiness(b) });
}

function integrity(r: El): ManifestReference['integrity'] {
  const found = elementChildren(r.node).filter(
    (c) => c.localName === 'Integrity' && c.namespaceURI === LIENTHONG_EXT_NAMESPACE,
  );
  const el = found[0];
  if (el === undefined) return undefined;
  const path = `${r.path}/lt:Integrity`;
  const size = el.getAttribute('size') ?? '';
  const sha256 = el.getAttribute('sha256') ?? '';
  if (found.length > 1 || !/^[0-9]{1,15}$/.test(size) || !isSha256Hex(sha256)) {
    throw edxmlError(EDXML_ERRORS.badValue, `${path} must carry a size in bytes and a hex SHA-256, once.`, {
      path,
      rule: 'one lt:Integrity with size (digits) and sha256 (64 lower-case hex digits)',
    });
  }
  return { size: Number(size), sha256 };
}

function reference(r: El): ManifestReference {
  const contentId = r.reqToken('ContentId');
  const href = r.node.getAttributeNS(XLINK_NAMESPACE, 'href');
  const bare = contentId.startsWith('cid:') ? contentId.slice(4) : contentId;
  if (href && href.trim() !== `cid:${bare}`) {
    throw edxmlError(
      EDXML_ERRORS.badValue,
      `${r.path} points to ${href} but its ContentId is ${contentId}.`,
      {
        path: `${r.path}/@xlink:href`,
        rule: 'xlink:href is cid: followed by the ContentId',
      },
    );
  }
  return compact({
    contentId,
    contentType: r.reqToken('ContentType'),
    attachmentName: r.reqText('AttachmentName'),
    description: r.optText('Description'),
    integrity: integrity(r),
  });
}

function raise(v: Violation, kind: 'message' | 'status'): never {
  const path = xmlPathOf(v.path, kind);
  throw edxmlError(v.code, `${path}: ${v.rule}.`, { path, rule: v.rule, ...v.extra });
}

function readMessage(parts: EnvelopeParts, header: El): EdxmlMessage {
  const head = header.req('MessageHeader');
  if (!parts.body) {
    throw edxmlError(EDXML_ERRORS.missingElement, 'The envelope must contain edXML:edXMLBody.', {
      path: 'edXMLEnvelope/edXMLBody',
      rule: 'required element',
    });
  }
  const trace = header.opt('TraceHeaderList');
  const manifest = new El(parts.body, 'edXMLEnvelope/edXMLBody').opt('edXMLManifest');
  const refs = manifest?.all('Reference').map(reference);
  const message = compact({
    messageHeader: messageHeader(head),
    traceHeaderList: trace && traceHeaderList(trace),
    manifest: manifest && compact({ reference: refs?.length ? refs : undefined }),
  });
  const v = checkMessage(message);
  if (v) raise(v, 'message');
  return message;
}

function readStatus(status: El): EdxmlStatus {
  const result = compact({
    responseFor: responseFor(status.req('ResponseFor')),
    from: organization(status.req('From')),
    statusCode: status.reqToken('StatusCode') as StatusCode,
    description: status.optText('Description'),
    timestamp: status.reqToken('Timestamp'),
    staffInfo: staffInfo(status.opt('StaffInfo')),
  });
  const v = checkStatus(result);
  if (v) raise(v, 'status');
  return result;
}

/** Reads an envelope already parsed to a DOM; shared with the package reader. */
export function readEnvelope(parts: EnvelopeParts): ParsedEdxml {
  const header = new El(parts.header, 'edXMLEnvelope/edXMLHeader');
  const hasMessage = header.opt('MessageHeader') !== undefined;
  const status = header.opt('Status');
  if (hasMessage && status) {
    throw edxmlError(
      EDXML_ERRORS.unexpectedElement,
      'A header carries either MessageHeader or Status, not both.',
      {
        path: status.path,
        rule: 'MessageHeader or Status',
      },
    );
  }
  if (status) return { kind: 'status', status: readStatus(status) };
  return { kind: 'message', message: readMessage(parts, header) };
}

/** Parses an edXML envelope (document or status message). */
export function parseEdxml(input: string | Uint8Array, options: ParseOptions = {}): ParsedEdxml {
  const { doc } = parseXmlDocument(input, options.limits);
  return readEnvelope(locateEnvelope(doc));
}

/** Parses a document message; a status message is refused (missing MessageHeader). */
export function parseMessage(input: string | Uint8Array, options: ParseOptions = {}): EdxmlMessage {
  const parsed = parseEdxml(input, options);
  if (parsed.kind !== 'message') throw missingHeader('MessageHeader');
  return parsed.message;
}

/** Parses a status message; a document message is refused (missing Status). */
export function parseStatus(input: string | Uint8Array, options: ParseOptions = {}): EdxmlStatus {
  const parsed = parseEdxml(input, options);
  if (parsed.kind !== 'status') throw missingHeader('Status');
  return parsed.status;
}

function missingHeader(name: string): Error {
  return edxmlError(EDXML_ERRORS.missingElement, `The header must contain <${name}>.`, {
    path: `edXMLEnvelope/edXMLHeader/${name}`,
    rule: 'required element',
  });
}
