/**
 * The value rules of a message, applied to the typed form: the parser runs them after reading
 * the XML (reporting XML paths), the builder before writing it (reporting JSON pointers), so a
 * message is held to the same rules whichever way it comes in.
 */
import { EDXML_ERRORS, type EdxmlErrorCode } from './errors.ts';
import {
  bareContentId,
  composeDocumentId,
  describeChar,
  invalidXmlCharIndex,
  isEdxmlDate,
  isEdxmlTimestamp,
  isOrganId,
  isSha256Hex,
  splitDocumentId,
} from './rules.ts';
import {
  type EdxmlMessage,
  type EdxmlStatus,
  type Organization,
  type ResponseFor,
  STATUS_CODES,
} from './schema.ts';

export type PathSegment = string | number;

export interface Violation {
  code: EdxmlErrorCode;
  path: PathSegment[];
  rule: string;
  extra?: Record<string, unknown>;
}

class Failed {
  constructor(readonly violation: Violation) {}
}

function fail(
  code: EdxmlErrorCode,
  path: PathSegment[],
  rule: string,
  extra?: Record<string, unknown>,
): never {
  throw new Failed(extra ? { code, path, rule, extra } : { code, path, rule });
}

function run(check: () => void): Violation | undefined {
  try {
    check();
    return undefined;
  } catch (e) {
    if (e instanceof Failed) return e.violation;
    throw e;
  }
}

/** Every string anywhere in the value must be representable in XML 1.0. */
function xmlChars(value: unknown, path: PathSegment[]): void {
  if (typeof value === 'string') {
    const i = invalidXmlCharIndex(value);
    if (i >= 0)
      fail(EDXML_ERRORS.badValue, path, `character ${describeChar(value, i)} cannot be carried in XML`);
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) xmlChars(v, [...path, i]);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) xmlChars(v, [...path, k]);
  }
}

const blank = (s: string | undefined) => s === undefined || s.trim() === '';

function notBlank(value: string, path: PathSegment[]): void {
  if (blank(value)) fail(EDXML_ERRORS.badValue, path, 'must not be empty');
}

function organId(value: string, path: PathSegment[]): void {
  if (!isOrganId(value)) {
    fail(
      EDXML_ERRORS.badValue,
      path,
      'agency identifier: dot-separated groups of digits and capitals (e.g. 000.00.00.H49), at most 35 characters',
    );
  }
}

function date(value: string | undefined, path: PathSegment[]): void {
  if (value !== undefined && !isEdxmlDate(value)) fail(EDXML_ERRORS.badDate, path, 'date as yyyy/MM/dd');
}

function timestamp(value: string, path: PathSegment[]): void {
  if (!isEdxmlTimestamp(value)) fail(EDXML_ERRORS.badDate, path, 'time as yyyy/MM/dd HH:mm:ss');
}

function documentId(value: string, path: PathSegment[]): void {
  if (splitDocumentId(value) === undefined) {
    fail(EDXML_ERRORS.badValue, path, 'DocumentId as {senderOrganId},{yyyy/MM/dd},{number}/{notation}');
  }
}

function range(value: number | undefined, max: number, path: PathSegment[]): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > max)) {
    fail(EDXML_ERRORS.badValue, path, `a whole number from 0 to ${max}`);
  }
}

function organization(o: Organization, path: PathSegment[]): void {
  organId(o.organId, [...path, 'organId']);
}

function responseFor(r: ResponseFor, path: PathSegment[]): void {
  organId(r.organId, [...path, 'organId']);
  notBlank(r.code, [...path, 'code']);
  date(r.promulgationDate, [...path, 'promulgationDate']);
  documentId(r.documentId, [...path, 'documentId']);
}

function header(m: EdxmlMessage): void {
  const h = m.messageHeader;
  const at = (...p: PathSegment[]) => ['messageHeader', ...p];
  organization(h.from, at('from'));
  for (const [i, o] of h.to.entries()) organization(o, at('to', i));
  notBlank(h.code.codeNotation, at('code', 'codeNotation'));
  date(h.promulgationInfo.promulgationDate, at('promulgationInfo', 'promulgationDate'));
  range(h.documentType.type, 9999, at('documentType', 'type'));
  notBlank(h.documentType.typeName, at('documentType', 'typeName'));
  notBlank(h.subject, at('subject'));
  date(h.dueDate, at('dueDate'));
  for (const [i, r] of (h.responseFor ?? []).entries()) responseFor(r, at('responseFor', i));
  const parts = splitDocumentId(h.documentId);
  if (parts === undefined) documentId(h.documentId, at('documentId'));
  const expected = composeDocumentId(
    h.from.organId,
    h.promulgationInfo.promulgationDate,
    h.code.codeNumber,
    h.code.codeNotation,
  );
  if (h.documentId !== expected) {
    fail(
      EDXML_ERRORS.documentIdMismatch,
      at('documentId'),
      'DocumentId must be {From/OrganId},{PromulgationDate},{CodeNumber}/{CodeNotation}',
      { expected, found: h.documentId },
    );
  }
}

function trace(m: EdxmlMessage): void {
  const t = m.traceHeaderList;
  if (!t) return;
  t.traceHeader?.forEach((h, i) => {
    organId(h.organId, ['traceHeaderList', 'traceHeader', i, 'organId']);
    timestamp(h.timestamp, ['traceHeaderList', 'traceHeader', i, 'timestamp']);
  });
  const b = t.bussiness;
  if (!b) return;
  const at = (...p: PathSegment[]) => ['traceHeaderList', 'bussiness', ...p];
  range(b.bussinessDocType, 3, at('bussinessDocType'));
  range(b.paper, 1, at('paper'));
  range(b.bussinessDocumentInfo?.documentInfo, 1, at('bussinessDocumentInfo', 'documentInfo'));
  range(b.bussinessDocumentInfo?.documentReceiver, 1, at('bussinessDocumentInfo', 'documentReceiver'));
  b.bussinessDocumentInfo?.receiverList?.forEach((r, i) => {
    organId(r.organId, at('bussinessDocumentInfo', 'receiverList', i, 'organId'));
  });
  if (b.documentId !== undefined) documentId(b.documentId, at('documentId'));
  else if (b.bussinessDocType !== 0) {
    fail(
      EDXML_ERRORS.missingElement,
      at('documentId'),
      'a revocation, update or replacement names the document',
    );
  }
  if (b.bussinessDocType === 3 && !b.replacementInfoList?.length) {
    fail(EDXML_ERRORS.missingElement, at('replacementInfoList'), 'a replacement lists what it replaces');
  }
  b.replacementInfoList?.forEach((r, i) => {
    documentId(r.documentId, at('replacementInfoList', i, 'documentId'));
    for (const [j, o] of r.organIdList.entries()) organId(o, at('replacementInfoList', i, 'organIdList', j));
  });
}

function manifest(m: EdxmlMessage): void {
  const seen = new Set<string>();
  m.manifest?.reference?.forEach((r, i) => {
    const at = (...p: PathSegment[]) => ['manifest', 'reference', i, ...p];
    if (blank(r.contentId) || /\s/.test(r.contentId) || bareContentId(r.contentId) === '') {
      fail(EDXML_ERRORS.badValue, at('contentId'), 'a ContentId without spaces');
    }
    const id = bareContentId(r.contentId);
    if (seen.has(id)) fail(EDXML_ERRORS.badValue, at('contentId'), 'ContentIds are unique within a manifest');
    seen.add(id);
    notBlank(r.contentType, at('contentType'));
    notBlank(r.attachmentName, at('attachmentName'));
    if (r.integrity) {
      range(r.integrity.size, Number.MAX_SAFE_INTEGER, at('integrity', 'size'));
      if (!isSha256Hex(r.integrity.sha256)) {
        fail(EDXML_ERRORS.badValue, at('integrity', 'sha256'), 'SHA-256 as 64 lower-case hex digits');
      }
    }
  });
}

export function checkMessage(m: EdxmlMessage): Violation | undefined {
  return run(() => {
    xmlChars(m, []);
    header(m);
    trace(m);
    manifest(m);
  });
}

export function checkStatus(s: EdxmlStatus): Violation | undefined {
  return run(() => {
    xmlChars(s, []);
    responseFor(s.responseFor, ['responseFor']);
    organization(s.from, ['from']);
    if (!(STATUS_CODES as readonly string[]).includes(s.statusCode)) {
      fail(EDXML_ERRORS.badValue, ['statusCode'], `StatusCode is one of ${STATUS_CODES.join(', ')}`);
    }
    timestamp(s.timestamp, ['timestamp']);
  });
}

const WRAPPED: Record<string, string> = {
  toPlaces: 'Place',
  appendixes: 'Appendix',
  receiverList: 'Receiver',
  replacementInfoList: 'ReplacementInfo',
  organIdList: 'OrganId',
};
const TOP: Record<string, string[]> = {
  messageHeader: ['edXMLHeader', 'MessageHeader'],
  traceHeaderList: ['edXMLHeader', 'TraceHeaderList'],
  manifest: ['edXMLBody', 'edXMLManifest'],
};

/** The XML element path of a JSON path: field names are element names, arrays count from 1. */
export function xmlPathOf(path: PathSegment[], kind: 'message' | 'status'): string {
  const out = kind === 'message' ? ['edXMLEnvelope'] : ['edXMLEnvelope', 'edXMLHeader', 'Status'];
  path.forEach((seg, i) => {
    const prev = path[i - 1];
    if (typeof seg === 'number') {
      const wrapped = typeof prev === 'string' ? WRAPPED[prev] : undefined;
      if (wrapped) out.push(`${wrapped}[${seg + 1}]`);
      else out[out.length - 1] += `[${seg + 1}]`;
    } else if (i === 0 && kind === 'message' && TOP[seg]) {
      out.push(...(TOP[seg] ?? []));
    } else if (prev === 'integrity') {
      out.push(`@${seg}`);
    } else {
      out.push(seg === 'integrity' ? 'lt:Integrity' : seg.charAt(0).toUpperCase() + seg.slice(1));
    }
  });
  return out.join('/');
}

export function jsonPointerOf(path: PathSegment[]): string {
  return path.map((s) => `/${String(s).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}
