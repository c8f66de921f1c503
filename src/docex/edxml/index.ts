/**
 * edXML (QCVN 102:2016/BTTTT, amended SĐ1:2022): the official-document message of the
 * government document exchange. Pure functions, no I/O of its own: parse and build envelopes
 * (document and status messages), sign and verify them, and stream the transport package that
 * carries the attachments.
 */
export { buildMessage, buildStatus } from './build.ts';
export { EDXML_ERRORS, type EdxmlErrorCode, type EdxmlErrorDetails } from './errors.ts';
export {
  type AttachmentDigest,
  type AttachmentInfo,
  type AttachmentSource,
  type ByteSource,
  DEFAULT_MAX_ATTACHMENT_BYTES,
  type PackageStream,
  type PackageWriterOptions,
  type ReadPackageOptions,
  type ReadPackageResult,
  readPackage,
  writePackage,
} from './package.ts';
export { type ParsedEdxml, type ParseOptions, parseEdxml, parseMessage, parseStatus } from './parse.ts';
export {
  bareContentId,
  composeDocumentId,
  isEdxmlDate,
  isEdxmlTimestamp,
  isOrganId,
  splitDocumentId,
  toEdxmlDate,
  toEdxmlTimestamp,
} from './rules.ts';
export * from './schema.ts';
export {
  SIGNATURE_ALGORITHMS,
  type SignEnvelopeOptions,
  signEnvelope,
  type VerifiedSignature,
  type VerifyEnvelopeOptions,
  verifyEnvelope,
  XMLDSIG_NAMESPACE,
} from './signature.ts';
export { DEFAULT_XML_LIMITS, type XmlLimits } from './xml-dom.ts';
