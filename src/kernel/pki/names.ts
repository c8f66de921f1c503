/** Distinguished names and serial numbers, validated the same way for CSRs, CAs and certificates. */
import { badInput } from '../errors.ts';
import { type Random, systemRandom } from '../random.ts';
import { x509 } from './keys.ts';

/** X.520 `serialNumber` (2.5.4.5): X-Road puts the member identifier here. */
const SERIAL_NUMBER_OID = '2.5.4.5';
const EXTRA_NAMES = { serialNumber: SERIAL_NUMBER_OID };
/** X.520 upper bound for CN, O, OU and serialNumber. */
const MAX_ATTRIBUTE_LENGTH = 64;

export interface SubjectParts {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
  serialNumber?: string;
  /** ISO 3166 alpha-2, upper case (`VN`). */
  country?: string;
}

function checkAttribute(field: string, value: string | undefined, required: boolean): void {
  if (value === undefined) {
    if (required) throw badInput('pki.invalid_subject', `The subject ${field} is required.`, { field });
    return;
  }
  if (value.trim() === '' || value !== value.trim()) {
    throw badInput(
      'pki.invalid_subject',
      `The subject ${field} must be non-empty and have no leading or trailing spaces.`,
      { field },
    );
  }
  if ([...value].length > MAX_ATTRIBUTE_LENGTH) {
    throw badInput(
      'pki.invalid_subject',
      `The subject ${field} is longer than ${MAX_ATTRIBUTE_LENGTH} characters.`,
      { field, maxLength: MAX_ATTRIBUTE_LENGTH },
    );
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw badInput('pki.invalid_subject', `The subject ${field} contains control characters.`, { field });
  }
}

/** Validates subject parts and builds the X.509 name (C, O, OU, CN, serialNumber order). */
export function buildName(
  subject: SubjectParts,
  required: (keyof SubjectParts)[] = ['commonName'],
): x509.Name {
  const { commonName, organization, organizationalUnit, serialNumber, country } = subject;
  checkAttribute('commonName', commonName, true);
  checkAttribute('organization', organization, required.includes('organization'));
  checkAttribute('organizationalUnit', organizationalUnit, required.includes('organizationalUnit'));
  checkAttribute('serialNumber', serialNumber, required.includes('serialNumber'));
  if (serialNumber !== undefined && !x509.Name.isPrintableString(serialNumber)) {
    throw badInput(
      'pki.invalid_subject',
      "The subject serialNumber may only contain A-Z a-z 0-9 space ' ( ) + , - . / : = ? (X.520 PrintableString).",
      { field: 'serialNumber' },
    );
  }
  if (country === undefined ? required.includes('country') : !/^[A-Z]{2}$/.test(country)) {
    throw badInput(
      'pki.invalid_subject',
      'The subject country must be a two-letter upper-case ISO 3166 code, e.g. "VN".',
      { field: 'country' },
    );
  }
  const rdns: Record<string, string[]>[] = [];
  if (country !== undefined) rdns.push({ C: [country] });
  if (organization !== undefined) rdns.push({ O: [organization] });
  if (organizationalUnit !== undefined) rdns.push({ OU: [organizationalUnit] });
  rdns.push({ CN: [commonName] });
  if (serialNumber !== undefined) rdns.push({ [SERIAL_NUMBER_OID]: [serialNumber] });
  return new x509.Name(rdns);
}

/** Reads the well-known attributes back from a name (first value of each). */
export function subjectPartsOf(name: x509.Name): SubjectParts {
  const first = (id: string) => name.getField(id)[0];
  const parts: SubjectParts = { commonName: first('CN') ?? '' };
  const optional = {
    organization: first('O'),
    organizationalUnit: first('OU'),
    serialNumber: first(SERIAL_NUMBER_OID),
    country: first('C'),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) parts[key as keyof typeof optional] = value;
  }
  return parts;
}

/** RFC 4514-style string of a name, with `serialNumber=` spelled out. */
export function nameToString(name: x509.Name): string {
  return new x509.Name(name.toArrayBuffer(), EXTRA_NAMES).toString();
}

/** Canonical form of a serial number: lower-case hex without leading zeros (`0` for zero). */
export function normalizeSerialNumber(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}

/** Validates a serial number (hex, positive, at most 20 DER octets) and returns its canonical form. */
export function checkSerialNumber(hex: string): string {
  if (!/^[0-9a-fA-F]+$/.test(hex)) {
    throw badInput('pki.invalid_serial', 'The serial number must be a hexadecimal string (0-9, a-f).', {
      serialNumber: hex,
    });
  }
  const canonical = normalizeSerialNumber(hex);
  if (canonical === '0') {
    throw badInput('pki.invalid_serial', 'The serial number must be positive (RFC 5280), not zero.');
  }
  // DER adds a 0x00 octet when the top bit is set; RFC 5280 caps the encoded value at 20 octets.
  const octets =
    Math.ceil(canonical.length / 2) + (canonical.length % 2 === 0 && /^[89a-f]/.test(canonical) ? 1 : 0);
  if (octets > 20) {
    throw badInput(
      'pki.invalid_serial',
      `The serial number is ${octets} octets once DER-encoded; RFC 5280 allows at most 20.`,
      { serialNumber: hex },
    );
  }
  return canonical;
}

/** A fresh random serial number: 16 random bytes with the top bit cleared, as 32 hex digits. */
export function randomSerialNumber(random: Random = systemRandom): string {
  const bytes = Buffer.from(random.bytes(16));
  // Top bit cleared keeps it positive in 16 octets; bit 6 set keeps 32 digits already canonical.
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}

/** Padded to whole octets, as @peculiar/x509 expects. */
export function serialForEncoding(canonical: string): string {
  return canonical.length % 2 === 0 ? canonical : `0${canonical}`;
}
