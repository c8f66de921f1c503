/**
 * The edXML message (QCVN 102:2016/BTTTT, amended SĐ1:2022) in JSON form. One schema per
 * message: the TypeScript types, the runtime check in `build` and the REST API's OpenAPI
 * document all come from here. Field names are the XML element names in camelCase; the
 * mapping is tabled in README.md.
 */
import { type Static, Type } from '@sinclair/typebox';

export const EDXML_NAMESPACE = 'http://www.mic.gov.vn/TBT/QCVN_102_2016';
export const EDXML_PREFIX = 'edXML';
export const XLINK_NAMESPACE = 'http://www.w3.org/1999/xlink';
/** Our additions (attachment size and digest) live here, so the standard elements stay untouched. */
export const LIENTHONG_EXT_NAMESPACE = 'urn:lienthong:edxml:ext:1';

export const DATE_PATTERN = '^[0-9]{4}/[0-9]{2}/[0-9]{2}$';
export const TIMESTAMP_PATTERN = '^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$';
/**
 * QCVN 102 codes (`000.00.00.H49`), the generalised form of Decision 20/2020 (dot-separated
 * groups of digits and capitals, at most 35 characters) and enterprise tax codes (`0101234567-001`).
 */
export const ORGAN_ID_PATTERN = '^[0-9A-Z]+(?:[.-][0-9A-Z]+)*$';
export const SHA256_HEX_PATTERN = '^[0-9a-f]{64}$';
/** Codes and identifiers: surrounding spaces are layout, so the parser trims them and the schema refuses them. */
export const TOKEN_PATTERN = '^\\S(?:.*\\S)?$';
const Token = (options: { description?: string; examples?: string[]; maxLength?: number } = {}) =>
  Type.String({ pattern: TOKEN_PATTERN, ...options });

export const EdxmlDate = Type.String({
  pattern: DATE_PATTERN,
  description: 'Calendar date yyyy/MM/dd',
  examples: ['2026/03/15'],
});
export const EdxmlTimestamp = Type.String({
  pattern: TIMESTAMP_PATTERN,
  description: 'Local time yyyy/MM/dd HH:mm:ss',
  examples: ['2026/03/15 08:30:00'],
});
export const OrganId = Type.String({
  pattern: ORGAN_ID_PATTERN,
  maxLength: 35,
  description: 'Agency electronic identifier (QCVN 102:2016 / Decision 20/2020) or tax code',
  examples: ['000.00.00.H49'],
});
export const DocumentId = Type.String({
  pattern: TOKEN_PATTERN,
  description: '{senderOrganId},{yyyy/MM/dd},{number}/{notation}',
  examples: ['000.00.00.H49,2026/03/15,123/UBND-VP'],
});
const Count = (description: string) => Type.Integer({ minimum: 0, maximum: 999_999_999, description });
const Flag = (description: string) => Type.Integer({ minimum: 0, maximum: 1, description });

const closed = { additionalProperties: false } as const;

export const Organization = Type.Object(
  {
    organId: OrganId,
    organizationInCharge: Type.Optional(Type.String({ description: 'Governing body' })),
    organName: Type.Optional(Type.String()),
    organAdd: Type.Optional(Type.String({ description: 'Address' })),
    email: Type.Optional(Type.String()),
    telephone: Type.Optional(Type.String()),
    fax: Type.Optional(Type.String()),
    website: Type.Optional(Type.String()),
  },
  closed,
);

export const Code = Type.Object(
  {
    codeNumber: Type.String({
      pattern: '^(?:\\S(?:.*\\S)?)?$',
      maxLength: 64,
      description: 'Số văn bản, may be empty',
      examples: ['123'],
    }),
    codeNotation: Token({ description: 'Ký hiệu', examples: ['UBND-VP'] }),
  },
  closed,
);

export const PromulgationInfo = Type.Object(
  { place: Type.Optional(Type.String({ examples: ['Bắc Ninh'] })), promulgationDate: EdxmlDate },
  closed,
);

export const DocumentType = Type.Object(
  {
    type: Type.Integer({
      minimum: 0,
      maximum: 9999,
      description:
        '1 Resolution, 7 Notice, 8 Guidance, 18 Official letter, 19 Official dispatch, 25 Invitation…',
    }),
    typeName: Type.String({ minLength: 1, examples: ['Công văn'] }),
    typeDetail: Type.Optional(Type.String()),
  },
  closed,
);

export const SignerInfo = Type.Object(
  {
    competence: Type.Optional(Type.String({ examples: ['TM. Ủy ban nhân dân'] })),
    position: Type.Optional(Type.String({ examples: ['Chủ tịch'] })),
    fullName: Type.Optional(Type.String()),
  },
  closed,
);

export const OtherInfo = Type.Object(
  {
    priority: Type.Optional(Count('Urgency; meanings unverified, 0 by default')),
    sphereOfPromulgation: Type.Optional(Type.String()),
    typerNotation: Type.Optional(Type.String()),
    promulgationAmount: Type.Optional(Count('Number of copies issued')),
    pageAmount: Type.Optional(Count('Number of pages')),
    appendixes: Type.Optional(Type.Array(Type.String(), { description: 'Appendixes/Appendix' })),
  },
  closed,
);

export const ResponseFor = Type.Object(
  {
    organId: OrganId,
    code: Token({ description: '{number}/{notation}', examples: ['45/STTTT-VP'] }),
    promulgationDate: EdxmlDate,
    documentId: DocumentId,
  },
  closed,
);

export const MessageHeader = Type.Object(
  {
    from: Organization,
    to: Type.Array(Organization, { minItems: 1 }),
    code: Code,
    promulgationInfo: PromulgationInfo,
    documentType: DocumentType,
    subject: Type.String({ minLength: 1, description: 'Trích yếu' }),
    content: Type.Optional(Type.String()),
    signerInfo: Type.Optional(SignerInfo),
    dueDate: Type.Optional(EdxmlDate),
    toPlaces: Type.Optional(Type.Array(Type.String(), { description: 'ToPlaces/Place' })),
    otherInfo: Type.Optional(OtherInfo),
    responseFor: Type.Optional(Type.Array(ResponseFor, { minItems: 1 })),
    steeringType: Type.Optional(Count('Steering type; meanings unverified, 0 by default')),
    documentId: DocumentId,
  },
  closed,
);

export const TraceHeader = Type.Object({ organId: OrganId, timestamp: EdxmlTimestamp }, closed);

export const StaffInfo = Type.Object(
  {
    department: Type.Optional(Type.String()),
    staff: Type.Optional(Type.String()),
    mobile: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
  },
  closed,
);

export const Receiver = Type.Object(
  { receiverType: Count('Kind of change for this receiver in an update'), organId: OrganId },
  closed,
);

export const BussinessDocumentInfo = Type.Object(
  {
    documentInfo: Type.Optional(Flag('1 when the document information changed')),
    documentReceiver: Type.Optional(Flag('1 when the receivers changed')),
    receiverList: Type.Optional(Type.Array(Receiver, { description: 'ReceiverList/Receiver' })),
  },
  closed,
);

export const ReplacementInfo = Type.Object(
  {
    documentId: DocumentId,
    organIdList: Type.Array(OrganId, { description: 'OrganIdList/OrganId' }),
  },
  closed,
);

export const BUSSINESS_DOC_TYPES = { new: 0, revoke: 1, update: 2, replace: 3 } as const;

export const Bussiness = Type.Object(
  {
    bussinessDocType: Type.Integer({
      minimum: 0,
      maximum: 3,
      description: '0 new, 1 revoke, 2 update, 3 replace',
    }),
    bussinessDocReason: Type.Optional(Type.String()),
    bussinessDocumentInfo: Type.Optional(BussinessDocumentInfo),
    documentId: Type.Optional(DocumentId),
    staffInfo: Type.Optional(StaffInfo),
    paper: Type.Optional(Flag('1 when a paper copy is also sent')),
    replacementInfoList: Type.Optional(
      Type.Array(ReplacementInfo, { description: 'ReplacementInfoList/ReplacementInfo' }),
    ),
  },
  closed,
);

export const TraceHeaderList = Type.Object(
  {
    traceHeader: Type.Optional(Type.Array(TraceHeader, { minItems: 1 })),
    bussiness: Type.Optional(Bussiness),
  },
  closed,
);

/** Not part of QCVN 102: written as `lt:Integrity` in our namespace when present. */
export const AttachmentIntegrity = Type.Object(
  {
    size: Type.Integer({ minimum: 0, description: 'Decoded size in bytes' }),
    sha256: Type.String({ pattern: SHA256_HEX_PATTERN, description: 'SHA-256 of the decoded bytes, hex' }),
  },
  closed,
);

export const ManifestReference = Type.Object(
  {
    contentId: Token({ description: 'With or without the cid: prefix', examples: ['cid:1'] }),
    contentType: Token({ examples: ['application/pdf'] }),
    attachmentName: Type.String({ minLength: 1, examples: ['123-UBND-VP.pdf'] }),
    description: Type.Optional(Type.String()),
    integrity: Type.Optional(AttachmentIntegrity),
  },
  closed,
);

export const Manifest = Type.Object(
  { reference: Type.Optional(Type.Array(ManifestReference, { minItems: 1 })) },
  closed,
);

export const EdxmlMessage = Type.Object(
  {
    messageHeader: MessageHeader,
    traceHeaderList: Type.Optional(TraceHeaderList),
    manifest: Type.Optional(Manifest),
  },
  { ...closed, title: 'EdxmlMessage', description: 'An edXML document message (edXMLEnvelope)' },
);

export const STATUS_CODES = ['01', '02', '03', '04', '05', '06', '13', '15', '16'] as const;
export const STATUS_CODE_MEANINGS: Record<(typeof STATUS_CODES)[number], string> = {
  '01': 'arrived at the receiving agency',
  '02': 'refused (also: refusal of a revocation)',
  '03': "accepted and registered in the agency's document book",
  '04': 'assigned for handling',
  '05': 'being processed',
  '06': 'completed',
  '13': 'sender withdraws the document',
  '15': 'withdrawal / update accepted',
  '16': 'withdrawal / update refused',
};

export const StatusCode = Type.Union(
  STATUS_CODES.map((c) => Type.Literal(c)),
  {
    description: Object.entries(STATUS_CODE_MEANINGS)
      .map(([c, m]) => `${c} ${m}`)
      .join('; '),
  },
);

export const EdxmlStatus = Type.Object(
  {
    responseFor: ResponseFor,
    from: Organization,
    statusCode: StatusCode,
    description: Type.Optional(Type.String()),
    timestamp: EdxmlTimestamp,
    staffInfo: Type.Optional(StaffInfo),
  },
  { ...closed, title: 'EdxmlStatus', description: 'An edXML status message (edXMLHeader/Status)' },
);

export type Organization = Static<typeof Organization>;
export type Code = Static<typeof Code>;
export type PromulgationInfo = Static<typeof PromulgationInfo>;
export type DocumentType = Static<typeof DocumentType>;
export type SignerInfo = Static<typeof SignerInfo>;
export type OtherInfo = Static<typeof OtherInfo>;
export type ResponseFor = Static<typeof ResponseFor>;
export type MessageHeader = Static<typeof MessageHeader>;
export type TraceHeader = Static<typeof TraceHeader>;
export type StaffInfo = Static<typeof StaffInfo>;
export type Receiver = Static<typeof Receiver>;
export type BussinessDocumentInfo = Static<typeof BussinessDocumentInfo>;
export type ReplacementInfo = Static<typeof ReplacementInfo>;
export type Bussiness = Static<typeof Bussiness>;
export type TraceHeaderList = Static<typeof TraceHeaderList>;
export type AttachmentIntegrity = Static<typeof AttachmentIntegrity>;
export type ManifestReference = Static<typeof ManifestReference>;
export type Manifest = Static<typeof Manifest>;
export type EdxmlMessage = Static<typeof EdxmlMessage>;
export type StatusCode = Static<typeof StatusCode>;
export type EdxmlStatus = Static<typeof EdxmlStatus>;
