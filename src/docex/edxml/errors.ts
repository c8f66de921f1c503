import { AppError, type ErrorCategory } from '../../kernel/errors.ts';

/**
 * Every rejection by the edXML codec carries one of these codes. They are part of the public
 * contract (other agencies' systems see them in status messages and API answers), so a code is
 * never renamed; new failure kinds get new codes.
 */
export const EDXML_ERRORS = {
  /** Not well-formed XML, not UTF-8, or a character XML 1.0 does not allow. */
  malformedXml: 'docex.edxml.malformed_xml',
  /** A DOCTYPE or ENTITY declaration: refused outright (XXE, entity expansion). */
  dtdNotAllowed: 'docex.edxml.dtd_not_allowed',
  /** Input larger, deeper or with more elements than the configured limits. */
  tooLarge: 'docex.edxml.too_large',
  /** An envelope element outside the QCVN 102:2016 namespace. */
  badNamespace: 'docex.edxml.bad_namespace',
  /** An envelope element in the right namespace but without the `edXML:` prefix. */
  badPrefix: 'docex.edxml.bad_prefix',
  /** The root element is not what the message kind requires. */
  unexpectedElement: 'docex.edxml.unexpected_element',
  missingElement: 'docex.edxml.missing_element',
  duplicateElement: 'docex.edxml.duplicate_element',
  badValue: 'docex.edxml.bad_value',
  badDate: 'docex.edxml.bad_date',
  /** DocumentId does not agree with From/OrganId, PromulgationDate and Code. */
  documentIdMismatch: 'docex.edxml.document_id_mismatch',
  unsigned: 'docex.edxml.unsigned',
  alreadySigned: 'docex.edxml.already_signed',
  badSignature: 'docex.edxml.bad_signature',
  untrustedSigner: 'docex.edxml.untrusted_signer',
  /** The signing key does not belong to the signing certificate. */
  keyMismatch: 'docex.edxml.key_mismatch',
  /** The transport package is not shaped as envelope + AttachmentEncoded. */
  badPackage: 'docex.edxml.bad_package',
  /** The manifest and the attachments disagree: missing, extra, duplicated or altered. */
  attachmentMismatch: 'docex.edxml.attachment_mismatch',
  attachmentTooLarge: 'docex.edxml.attachment_too_large',
  badBase64: 'docex.edxml.bad_base64',
} as const;

export type EdxmlErrorCode = (typeof EDXML_ERRORS)[keyof typeof EDXML_ERRORS];

export interface EdxmlErrorDetails {
  /** Where: an XML element path (`edXMLEnvelope/edXMLHeader/MessageHeader/To[2]/OrganId`) or a JSON pointer. */
  path?: string;
  /** The rule that was broken, in words. */
  rule: string;
  [key: string]: unknown;
}

const TOO_LARGE: ReadonlySet<string> = new Set([EDXML_ERRORS.tooLarge, EDXML_ERRORS.attachmentTooLarge]);

export function edxmlError(
  code: EdxmlErrorCode,
  message: string,
  details: EdxmlErrorDetails,
  cause?: unknown,
): AppError {
  // Size limits answer 413 so a client knows that retrying the same input is pointless.
  const category: ErrorCategory = TOO_LARGE.has(code) ? 'too_large' : 'bad_input';
  return new AppError(category, code, message, cause === undefined ? { details } : { details, cause });
}
