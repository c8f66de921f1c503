/**
 * SAMPLE DATA. A small federation of Vietnamese state agencies that `lienthong up` loads into an
 * empty central registry, so a newcomer sees ministries, provinces, their information systems and
 * the rights between them at once. It is not an authoritative directory.
 *
 * Agency codes follow QCVN 102:2016 (`V1V2V3.Z1Z2.Y1Y2.X1X2X3`, level 1 at the right). Only six
 * level-1 codes are known for sure and carry `codeStatus: 'real'`. Every other code is
 * `'illustrative'`: correct structure (right group letter; a child keeps its parent's levels and
 * sets the next one) and a plausible number, nothing more:
 * - ministries take their place in the alphabetical order of their Vietnamese names, which the
 *   real codes fit (G01 Công an, G09 Nội vụ, G12 Tài chính, G18 Y tế); Viet Nam Social Security
 *   takes the first number after G22 Văn phòng Chính phủ;
 * - provinces take their place in the alphabetical order of the 63 provinces, which H49 Quảng
 *   Ninh fits;
 * - departments, districts, communes and units take small two-digit numbers under their parent.
 * The shape is the pre-2025 one the codes were published for (ministries and provinces since
 * merged, districts abolished) because it exercises every code level.
 */

import { AppError } from '../../kernel/errors.ts';
import { DOCEX_ACCESS_RIGHTS, DOCEX_GROUPS, DOCEX_SERVICES, DOCEX_SUBSYSTEMS } from './docex.ts';

export type AgencyKind =
  | 'ministry'
  | 'government_body'
  | 'province'
  | 'department'
  | 'district'
  | 'commune'
  | 'unit';
export interface SampleAgency {
  code: string; // agency electronic code = X-Road member code (class GOV)
  nameVi: string; // official Vietnamese name, NFC, correct diacritics
  nameEn: string;
  kind: AgencyKind;
  parentCode: string | null; // must appear earlier in the array (parents first)
  codeStatus: 'real' | 'illustrative';
}
export interface SampleSubsystem {
  memberCode: string;
  code: string;
  nameVi: string;
  nameEn: string;
}
export interface SampleGateway {
  memberCode: string;
  code: string;
} // addresses are assigned at run time
export interface SampleService {
  memberCode: string;
  subsystemCode: string;
  code: string;
  version: string | null;
  titleVi: string;
  titleEn: string;
  personalData: boolean; // carries personal data: callers must state end user + purpose
  endpoints: { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; path: string }[]; // path patterns like '/citizens/{personalId}'
  openapi: Record<string, unknown>; // a small but valid OpenAPI 3.1 document describing the endpoints
}
export interface SampleGroup {
  code: string;
  descriptionVi: string;
  descriptionEn: string;
  members: { memberCode: string; subsystemCode: string }[];
}
export interface SampleAccessRight {
  provider: { memberCode: string; subsystemCode: string; serviceCode: string };
  endpoint: { method: string; path: string } | null; // null = the whole service
  subject: { type: 'subsystem'; memberCode: string; subsystemCode: string } | { type: 'group'; code: string };
}
export interface SampleFederation {
  instance: 'VN';
  agencies: SampleAgency[];
  subsystems: SampleSubsystem[];
  gateways: SampleGateway[];
  services: SampleService[];
  groups: SampleGroup[];
  accessRights: SampleAccessRight[];
}

const PUBLIC_SECURITY = '000.00.00.G01';
const PLANNING_INVESTMENT = '000.00.00.G05';
const HOME_AFFAIRS = '000.00.00.G09';
const FINANCE = '000.00.00.G12';
const JUSTICE = '000.00.00.G15';
const HEALTH = '000.00.00.G18';
const GOVERNMENT_OFFICE = '000.00.00.G22';
const SOCIAL_SECURITY = '000.00.00.G23';

/** The provinces, with the place name as it follows "Ủy ban nhân dân" / "Hệ thống …". */
const PROVINCES = [
  { code: '000.00.00.H49', placeVi: 'tỉnh Quảng Ninh', placeEn: 'Quang Ninh' },
  { code: '000.00.00.H24', placeVi: 'thành phố Hà Nội', placeEn: 'Ha Noi' },
  { code: '000.00.00.H29', placeVi: 'Thành phố Hồ Chí Minh', placeEn: 'Ho Chi Minh City' },
  { code: '000.00.00.H15', placeVi: 'thành phố Đà Nẵng', placeEn: 'Da Nang' },
  { code: '000.00.00.H57', placeVi: 'tỉnh Thừa Thiên Huế', placeEn: 'Thua Thien Hue' },
];

function a(
  code: string,
  kind: AgencyKind,
  parentCode: string | null,
  codeStatus: SampleAgency['codeStatus'],
  nameVi: string,
  nameEn: string,
): SampleAgency {
  return { code, nameVi, nameEn, kind, parentCode, codeStatus };
}

// One agency per line, so the directory reads (and greps) as a table. Provincial police answer to
// the Ministry of Public Security, but provincial document systems list them among the province's
// agencies because documents flow between them daily; Công an thành phố Hà Nội is kept that way.
// biome-ignore format: a table is easier to review than one field per line
const AGENCIES: SampleAgency[] = [
  a('000.00.00.G01', 'ministry',        null,            'real',         'Bộ Công an', 'Ministry of Public Security'),
  a('000.00.05.G01', 'department',      '000.00.00.G01', 'illustrative', 'Cục Cảnh sát quản lý hành chính về trật tự xã hội', 'Police Department for Administrative Management of Social Order'),
  a('000.01.05.G01', 'unit',            '000.00.05.G01', 'illustrative', 'Trung tâm Dữ liệu quốc gia về dân cư', 'National Population Data Centre'),
  a('000.00.00.G05', 'ministry',        null,            'illustrative', 'Bộ Kế hoạch và Đầu tư', 'Ministry of Planning and Investment'),
  a('000.00.09.G05', 'department',      '000.00.00.G05', 'illustrative', 'Cục Quản lý đăng ký kinh doanh', 'Agency for Business Registration'),
  a('000.00.00.G09', 'ministry',        null,            'real',         'Bộ Nội vụ', 'Ministry of Home Affairs'),
  a('000.00.08.G09', 'department',      '000.00.00.G09', 'illustrative', 'Cục Văn thư và Lưu trữ nhà nước', 'State Records and Archives Management Department'),
  a('000.00.00.G12', 'ministry',        null,            'real',         'Bộ Tài chính', 'Ministry of Finance'),
  a('000.00.11.G12', 'department',      '000.00.00.G12', 'illustrative', 'Tổng cục Thuế', 'General Department of Taxation'),
  a('000.00.00.G14', 'ministry',        null,            'illustrative', 'Bộ Thông tin và Truyền thông', 'Ministry of Information and Communications'),
  a('000.00.25.G14', 'department',      '000.00.00.G14', 'illustrative', 'Cục Chuyển đổi số quốc gia', 'National Digital Transformation Agency'),
  a('000.00.00.G15', 'ministry',        null,            'illustrative', 'Bộ Tư pháp', 'Ministry of Justice'),
  a('000.00.06.G15', 'department',      '000.00.00.G15', 'illustrative', 'Cục Hộ tịch, quốc tịch, chứng thực', 'Department of Civil Status, Nationality and Authentication'),
  a('000.00.12.G15', 'department',      '000.00.00.G15', 'illustrative', 'Cục Công nghệ thông tin', 'Department of Information Technology'),
  a('000.00.00.G18', 'ministry',        null,            'real',         'Bộ Y tế', 'Ministry of Health'),
  a('000.00.07.G18', 'department',      '000.00.00.G18', 'illustrative', 'Cục Quản lý Khám, chữa bệnh', 'Medical Services Administration'),
  a('000.00.00.G22', 'government_body', null,            'real',         'Văn phòng Chính phủ', 'Government Office'),
  a('000.00.04.G22', 'department',      '000.00.00.G22', 'illustrative', 'Cục Kiểm soát thủ tục hành chính', 'Administrative Procedures Control Agency'),
  a('000.00.00.G23', 'government_body', null,            'illustrative', 'Bảo hiểm xã hội Việt Nam', 'Viet Nam Social Security'),
  a('000.00.03.G23', 'department',      '000.00.00.G23', 'illustrative', 'Ban Thực hiện chính sách bảo hiểm y tế', 'Health Insurance Policy Implementation Department'),

  a('000.00.00.H49', 'province',        null,            'real',         'Ủy ban nhân dân tỉnh Quảng Ninh', "Quang Ninh Provincial People's Committee"),
  a('000.00.01.H49', 'department',      '000.00.00.H49', 'illustrative', 'Văn phòng Ủy ban nhân dân tỉnh Quảng Ninh', "Office of the Quang Ninh Provincial People's Committee"),
  a('000.00.12.H49', 'department',      '000.00.00.H49', 'illustrative', 'Sở Tư pháp tỉnh Quảng Ninh', 'Quang Ninh Department of Justice'),
  a('000.00.15.H49', 'department',      '000.00.00.H49', 'illustrative', 'Sở Y tế tỉnh Quảng Ninh', 'Quang Ninh Department of Health'),
  a('000.01.15.H49', 'unit',            '000.00.15.H49', 'illustrative', 'Trung tâm Kiểm soát bệnh tật tỉnh Quảng Ninh', 'Quang Ninh Centre for Disease Control'),
  a('000.00.17.H49', 'department',      '000.00.00.H49', 'illustrative', 'Sở Thông tin và Truyền thông tỉnh Quảng Ninh', 'Quang Ninh Department of Information and Communications'),
  a('000.00.30.H49', 'district',        '000.00.00.H49', 'illustrative', 'Ủy ban nhân dân thành phố Hạ Long', "Ha Long City People's Committee"),
  a('000.01.30.H49', 'commune',         '000.00.30.H49', 'illustrative', 'Ủy ban nhân dân phường Bãi Cháy', "Bai Chay Ward People's Committee"),
  a('000.02.30.H49', 'commune',         '000.00.30.H49', 'illustrative', 'Ủy ban nhân dân phường Hồng Gai', "Hong Gai Ward People's Committee"),
  a('000.03.30.H49', 'commune',         '000.00.30.H49', 'illustrative', 'Ủy ban nhân dân phường Hà Khánh', "Ha Khanh Ward People's Committee"),

  a('000.00.00.H24', 'province',        null,            'illustrative', 'Ủy ban nhân dân thành phố Hà Nội', "Ha Noi People's Committee"),
  a('000.00.01.H24', 'department',      '000.00.00.H24', 'illustrative', 'Văn phòng Ủy ban nhân dân thành phố Hà Nội', "Office of the Ha Noi People's Committee"),
  a('000.00.10.H24', 'department',      '000.00.00.H24', 'illustrative', 'Sở Tư pháp thành phố Hà Nội', 'Ha Noi Department of Justice'),
  a('000.00.14.H24', 'department',      '000.00.00.H24', 'illustrative', 'Sở Y tế thành phố Hà Nội', 'Ha Noi Department of Health'),
  a('000.00.16.H24', 'department',      '000.00.00.H24', 'illustrative', 'Sở Thông tin và Truyền thông thành phố Hà Nội', 'Ha Noi Department of Information and Communications'),
  a('000.00.22.H24', 'department',      '000.00.00.H24', 'illustrative', 'Công an thành phố Hà Nội', 'Ha Noi City Police'),
  a('000.00.31.H24', 'district',        '000.00.00.H24', 'illustrative', 'Ủy ban nhân dân huyện Gia Lâm', "Gia Lam District People's Committee"),
  a('000.01.31.H24', 'commune',         '000.00.31.H24', 'illustrative', 'Ủy ban nhân dân xã Bát Tràng', "Bat Trang Commune People's Committee"),
  a('000.02.31.H24', 'commune',         '000.00.31.H24', 'illustrative', 'Ủy ban nhân dân xã Đa Tốn', "Da Ton Commune People's Committee"),
  a('000.03.31.H24', 'commune',         '000.00.31.H24', 'illustrative', 'Ủy ban nhân dân xã Kim Lan', "Kim Lan Commune People's Committee"),

  a('000.00.00.H29', 'province',        null,            'illustrative', 'Ủy ban nhân dân Thành phố Hồ Chí Minh', "Ho Chi Minh City People's Committee"),
  a('000.00.01.H29', 'department',      '000.00.00.H29', 'illustrative', 'Văn phòng Ủy ban nhân dân Thành phố Hồ Chí Minh', "Office of the Ho Chi Minh City People's Committee"),
  a('000.00.11.H29', 'department',      '000.00.00.H29', 'illustrative', 'Sở Tư pháp Thành phố Hồ Chí Minh', 'Ho Chi Minh City Department of Justice'),
  a('000.00.13.H29', 'department',      '000.00.00.H29', 'illustrative', 'Sở Y tế Thành phố Hồ Chí Minh', 'Ho Chi Minh City Department of Health'),
  a('000.00.16.H29', 'department',      '000.00.00.H29', 'illustrative', 'Sở Thông tin và Truyền thông Thành phố Hồ Chí Minh', 'Ho Chi Minh City Department of Information and Communications'),

  a('000.00.00.H15', 'province',        null,            'illustrative', 'Ủy ban nhân dân thành phố Đà Nẵng', "Da Nang City People's Committee"),
  a('000.00.01.H15', 'department',      '000.00.00.H15', 'illustrative', 'Văn phòng Ủy ban nhân dân thành phố Đà Nẵng', "Office of the Da Nang City People's Committee"),
  a('000.00.10.H15', 'department',      '000.00.00.H15', 'illustrative', 'Sở Tư pháp thành phố Đà Nẵng', 'Da Nang Department of Justice'),
  a('000.00.14.H15', 'department',      '000.00.00.H15', 'illustrative', 'Sở Y tế thành phố Đà Nẵng', 'Da Nang Department of Health'),
  a('000.00.17.H15', 'department',      '000.00.00.H15', 'illustrative', 'Sở Thông tin và Truyền thông thành phố Đà Nẵng', 'Da Nang Department of Information and Communications'),

  a('000.00.00.H57', 'province',        null,            'illustrative', 'Ủy ban nhân dân tỉnh Thừa Thiên Huế', "Thua Thien Hue Provincial People's Committee"),
  a('000.00.01.H57', 'department',      '000.00.00.H57', 'illustrative', 'Văn phòng Ủy ban nhân dân tỉnh Thừa Thiên Huế', "Office of the Thua Thien Hue Provincial People's Committee"),
  a('000.00.11.H57', 'department',      '000.00.00.H57', 'illustrative', 'Sở Tư pháp tỉnh Thừa Thiên Huế', 'Thua Thien Hue Department of Justice'),
  a('000.00.15.H57', 'department',      '000.00.00.H57', 'illustrative', 'Sở Y tế tỉnh Thừa Thiên Huế', 'Thua Thien Hue Department of Health'),
];

function nameOf(code: string): string {
  const found = AGENCIES.find((agency) => agency.code === code);
  if (!found) {
    throw new AppError(
      'internal',
      'registry.sample_invalid',
      `Sample federation: no agency ${code} in AGENCIES.`,
    );
  }
  return found.nameVi;
}

function subsystem(memberCode: string, code: string, nameVi: string, nameEn: string): SampleSubsystem {
  return { memberCode, code, nameVi, nameEn };
}

const DOCUMENT_SYSTEM_VI = 'Hệ thống quản lý văn bản và điều hành';
const MINISTRIES_WITH_DOCUMENTS = [HOME_AFFAIRS, FINANCE, JUSTICE, HEALTH, GOVERNMENT_OFFICE];

// biome-ignore format: a table is easier to review than one field per line
const SUBSYSTEMS: SampleSubsystem[] = [
  subsystem(PUBLIC_SECURITY,     'population',            'Cơ sở dữ liệu quốc gia về dân cư', 'National Population Database'),
  subsystem(PUBLIC_SECURITY,     'residence',             'Cơ sở dữ liệu về cư trú', 'Residence Database'),
  subsystem(JUSTICE,             'civil-status',          'Hệ thống thông tin đăng ký và quản lý hộ tịch (Hộ tịch điện tử)', 'Electronic Civil Status Registration and Management System'),
  subsystem(SOCIAL_SECURITY,     'health-insurance',      'Hệ thống thông tin quản lý thẻ bảo hiểm y tế', 'Health Insurance Card Information System'),
  subsystem(PLANNING_INVESTMENT, 'business-registration', 'Hệ thống thông tin quốc gia về đăng ký doanh nghiệp', 'National Business Registration Information System'),
  ...MINISTRIES_WITH_DOCUMENTS.map((code) =>
    subsystem(code, 'documents', `${DOCUMENT_SYSTEM_VI} ${nameOf(code)}`, 'Document and Work Management System')),
  ...PROVINCES.flatMap((p) => [
    subsystem(p.code, 'dossier', `Hệ thống thông tin giải quyết thủ tục hành chính ${p.placeVi}`, `${p.placeEn} Administrative Procedure Information System`),
    subsystem(p.code, 'documents', `${DOCUMENT_SYSTEM_VI} ${p.placeVi}`, `${p.placeEn} Document and Work Management System`),
  ]),
];

// Only members run gateways: departments, districts and communes reach the federation through
// their ministry's or province's gateway.
const GATEWAYS: SampleGateway[] = AGENCIES.filter((a) => a.parentCode === null).map((a) => ({
  memberCode: a.code,
  code: 'gw1',
}));

// ---- OpenAPI documents -------------------------------------------------------------------------

type Json = Record<string, unknown>;

const text = (description: string, extra: Json = {}): Json => ({ type: 'string', description, ...extra });
const date = (description: string): Json => text(description, { format: 'date' });
const personalId = (description: string): Json => text(description, { pattern: '^\\d{12}$' });
const object = (properties: Record<string, Json>, required: string[]): Json => ({
  type: 'object',
  properties,
  required,
});
const pathParam = (name: string, description: string, pattern: string): Json => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string', pattern },
});
const json = (schema: Json): Json => ({ 'application/json': { schema } });

function operation(summary: string, response: Json, opts: { params?: Json[]; body?: Json } = {}): Json {
  return {
    summary,
    ...(opts.params ? { parameters: opts.params } : {}),
    ...(opts.body ? { requestBody: { required: true, content: json(opts.body) } } : {}),
    responses: { '200': { description: 'Thành công', content: json(response) } },
  };
}

// Schemas are shared between documents below; cloning keeps each document a tree of its own, so a
// consumer that edits one service's document cannot change another's.
function openapi(title: string, description: string, paths: Json): Json {
  return { openapi: '3.1.0', info: { title, version: '1.0.0', description }, paths: structuredClone(paths) };
}

const GENDER = text('Giới tính', { enum: ['male', 'female'] });

const CITIZEN = object(
  {
    personalId: personalId('Số định danh cá nhân'),
    fullName: text('Họ, chữ đệm và tên'),
    dateOfBirth: date('Ngày, tháng, năm sinh'),
    gender: GENDER,
    placeOfBirth: text('Nơi đăng ký khai sinh'),
    nationality: text('Quốc tịch'),
    permanentResidence: text('Nơi thường trú'),
  },
  ['personalId', 'fullName', 'dateOfBirth', 'gender'],
);

const RESIDENCE_REQUEST = object(
  {
    personalId: personalId('Số định danh cá nhân của người đăng ký'),
    kind: text('Loại cư trú', { enum: ['permanent', 'temporary'] }),
    address: text('Địa chỉ cư trú'),
    birthRegistrationId: text('Mã đăng ký khai sinh, khi đăng ký thường trú cho trẻ mới sinh'),
  },
  ['personalId', 'kind', 'address'],
);
const RESIDENCE = object(
  {
    registrationId: text('Mã đăng ký cư trú'),
    ...(RESIDENCE_REQUEST['properties'] as Record<string, Json>),
    status: text('Trạng thái', { enum: ['received', 'registered', 'refused'] }),
    registeredAt: text('Thời điểm đăng ký', { format: 'date-time' }),
  },
  ['registrationId', 'personalId', 'kind', 'address', 'status'],
);

const PARENT = object({ personalId: personalId('Số định danh cá nhân'), fullName: text('Họ và tên') }, [
  'personalId',
  'fullName',
]);
const BIRTH_REQUEST = object(
  {
    dossierId: text('Mã hồ sơ thủ tục hành chính liên thông'),
    child: object(
      {
        fullName: text('Họ và tên trẻ'),
        dateOfBirth: date('Ngày sinh'),
        gender: GENDER,
        placeOfBirth: text('Nơi sinh'),
      },
      ['fullName', 'dateOfBirth', 'gender', 'placeOfBirth'],
    ),
    mother: PARENT,
    father: PARENT,
  },
  ['dossierId', 'child', 'mother'],
);
const BIRTH = object(
  {
    id: text('Mã đăng ký khai sinh'),
    registrationNumber: text('Số đăng ký trong sổ hộ tịch'),
    personalId: personalId('Số định danh cá nhân cấp cho trẻ'),
    registrarCode: text('Mã định danh của cơ quan đăng ký'),
    registeredAt: text('Thời điểm đăng ký', { format: 'date-time' }),
  },
  ['id', 'registrationNumber', 'personalId', 'registrarCode', 'registeredAt'],
);

const CARD = object(
  {
    cardNumber: text('Mã số thẻ bảo hiểm y tế', { pattern: '^[A-Z]{2}\\d{13}$' }),
    personalId: personalId('Số định danh cá nhân'),
    fullName: text('Họ và tên'),
    validFrom: date('Giá trị sử dụng từ ngày'),
    validTo: date('Giá trị sử dụng đến ngày'),
    primaryCareFacility: text('Nơi đăng ký khám bệnh, chữa bệnh ban đầu'),
  },
  ['cardNumber', 'personalId', 'fullName', 'validFrom'],
);
const CARD_REQUEST = object(
  {
    personalId: personalId('Số định danh cá nhân của trẻ'),
    fullName: text('Họ và tên'),
    dateOfBirth: date('Ngày sinh'),
    birthRegistrationId: text('Mã đăng ký khai sinh'),
  },
  ['personalId', 'fullName', 'dateOfBirth', 'birthRegistrationId'],
);

const ENTERPRISE = object(
  {
    taxCode: text('Mã số doanh nghiệp (mã số thuế)', { pattern: '^\\d{10}(-\\d{3})?$' }),
    nameVi: text('Tên doanh nghiệp bằng tiếng Việt'),
    legalForm: text('Loại hình doanh nghiệp'),
    status: text('Tình trạng hoạt động', { enum: ['active', 'suspended', 'dissolved'] }),
    registeredOn: date('Ngày đăng ký thành lập'),
    headOffice: text('Địa chỉ trụ sở chính'),
  },
  ['taxCode', 'nameVi', 'status'],
);

const PERSONAL_ID_PARAM = pathParam('personalId', 'Số định danh cá nhân (12 chữ số)', '^\\d{12}$');

// ---- Services, groups, rights ------------------------------------------------------------------

const SERVICES: SampleService[] = [
  {
    memberCode: PUBLIC_SECURITY,
    subsystemCode: 'population',
    code: 'citizens',
    version: 'v1',
    titleVi: 'Tra cứu thông tin công dân',
    titleEn: 'Citizen information lookup',
    personalData: true,
    endpoints: [{ method: 'GET', path: '/citizens/{personalId}' }],
    openapi: openapi('Tra cứu thông tin công dân', 'Citizen information lookup', {
      '/citizens/{personalId}': {
        get: operation('Lấy thông tin công dân theo số định danh cá nhân', CITIZEN, {
          params: [PERSONAL_ID_PARAM],
        }),
      },
    }),
  },
  {
    memberCode: PUBLIC_SECURITY,
    subsystemCode: 'residence',
    code: 'residence-registrations',
    version: 'v1',
    titleVi: 'Đăng ký cư trú',
    titleEn: 'Residence registration',
    personalData: true,
    endpoints: [
      { method: 'POST', path: '/residence-registrations' },
      { method: 'GET', path: '/residence-registrations/{registrationId}' },
    ],
    openapi: openapi('Đăng ký cư trú', 'Residence registration', {
      '/residence-registrations': {
        post: operation('Tiếp nhận đăng ký cư trú', RESIDENCE, { body: RESIDENCE_REQUEST }),
      },
      '/residence-registrations/{registrationId}': {
        get: operation('Tra cứu đăng ký cư trú', RESIDENCE, {
          params: [pathParam('registrationId', 'Mã đăng ký cư trú', '^[A-Za-z0-9-]{1,64}$')],
        }),
      },
    }),
  },
  {
    memberCode: JUSTICE,
    subsystemCode: 'civil-status',
    code: 'births',
    version: 'v1',
    titleVi: 'Đăng ký khai sinh',
    titleEn: 'Birth registration',
    personalData: true,
    endpoints: [
      { method: 'POST', path: '/births' },
      { method: 'GET', path: '/births/{id}' },
    ],
    openapi: openapi('Đăng ký khai sinh', 'Birth registration', {
      '/births': { post: operation('Đăng ký khai sinh', BIRTH, { body: BIRTH_REQUEST }) },
      '/births/{id}': {
        get: operation('Tra cứu đăng ký khai sinh', BIRTH, {
          params: [pathParam('id', 'Mã đăng ký khai sinh', '^[A-Za-z0-9-]{1,64}$')],
        }),
      },
    }),
  },
  {
    memberCode: SOCIAL_SECURITY,
    subsystemCode: 'health-insurance',
    code: 'cards',
    version: 'v1',
    titleVi: 'Cấp và tra cứu thẻ bảo hiểm y tế',
    titleEn: 'Health insurance card issuance and lookup',
    personalData: true,
    endpoints: [
      { method: 'GET', path: '/cards/{personalId}' },
      { method: 'POST', path: '/cards' },
    ],
    openapi: openapi('Cấp và tra cứu thẻ bảo hiểm y tế', 'Health insurance card issuance and lookup', {
      '/cards/{personalId}': {
        get: operation('Tra cứu thẻ bảo hiểm y tế theo số định danh cá nhân', CARD, {
          params: [PERSONAL_ID_PARAM],
        }),
      },
      '/cards': {
        post: operation('Cấp thẻ bảo hiểm y tế cho trẻ dưới 6 tuổi', CARD, { body: CARD_REQUEST }),
      },
    }),
  },
  {
    memberCode: PLANNING_INVESTMENT,
    subsystemCode: 'business-registration',
    code: 'enterprises',
    version: 'v1',
    titleVi: 'Tra cứu thông tin doanh nghiệp',
    titleEn: 'Enterprise information lookup',
    personalData: false,
    endpoints: [{ method: 'GET', path: '/enterprises/{taxCode}' }],
    openapi: openapi('Tra cứu thông tin doanh nghiệp', 'Enterprise information lookup', {
      '/enterprises/{taxCode}': {
        get: operation('Lấy thông tin doanh nghiệp theo mã số doanh nghiệp', ENTERPRISE, {
          params: [pathParam('taxCode', 'Mã số doanh nghiệp', '^\\d{10}(-\\d{3})?$')],
        }),
      },
    }),
  },
];

const PROVINCIAL_COMMITTEES = 'provincial-committees';

const GROUPS: SampleGroup[] = [
  {
    code: PROVINCIAL_COMMITTEES,
    descriptionVi:
      'Hệ thống thông tin giải quyết thủ tục hành chính của các tỉnh, thành phố trực thuộc trung ương',
    descriptionEn:
      'Administrative procedure information systems of the provinces and centrally governed cities',
    members: PROVINCES.map((p) => ({ memberCode: p.code, subsystemCode: 'dossier' })),
  },
  {
    code: 'ministries-documents',
    descriptionVi:
      'Hệ thống quản lý văn bản và điều hành của các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ',
    descriptionEn: 'Document and work management systems of the ministries and government bodies',
    members: MINISTRIES_WITH_DOCUMENTS.map((memberCode) => ({ memberCode, subsystemCode: 'documents' })),
  },
];

const CIVIL_STATUS = { type: 'subsystem', memberCode: JUSTICE, subsystemCode: 'civil-status' } as const;
const PROVINCES_GROUP = { type: 'group', code: PROVINCIAL_COMMITTEES } as const;

// The linked birth procedure (khai sinh – thường trú – BHYT): the province's dossier system checks
// the parents and files the birth; civil status then pushes residence and the insurance card.
const ACCESS_RIGHTS: SampleAccessRight[] = [
  {
    provider: { memberCode: PUBLIC_SECURITY, subsystemCode: 'population', serviceCode: 'citizens' },
    endpoint: { method: 'GET', path: '/citizens/{personalId}' },
    subject: PROVINCES_GROUP,
  },
  {
    provider: { memberCode: JUSTICE, subsystemCode: 'civil-status', serviceCode: 'births' },
    endpoint: { method: 'POST', path: '/births' },
    subject: PROVINCES_GROUP,
  },
  {
    provider: { memberCode: PUBLIC_SECURITY, subsystemCode: 'population', serviceCode: 'citizens' },
    endpoint: { method: 'GET', path: '/citizens/{personalId}' },
    subject: CIVIL_STATUS,
  },
  {
    provider: {
      memberCode: PUBLIC_SECURITY,
      subsystemCode: 'residence',
      serviceCode: 'residence-registrations',
    },
    endpoint: { method: 'POST', path: '/residence-registrations' },
    subject: CIVIL_STATUS,
  },
  {
    provider: { memberCode: SOCIAL_SECURITY, subsystemCode: 'health-insurance', serviceCode: 'cards' },
    endpoint: { method: 'POST', path: '/cards' },
    subject: CIVIL_STATUS,
  },
  // Whole-service right: a dossier for a business procedure looks the enterprise up, and the
  // register is public information, so nothing is gained by listing endpoints one by one.
  {
    provider: {
      memberCode: PLANNING_INVESTMENT,
      subsystemCode: 'business-registration',
      serviceCode: 'enterprises',
    },
    endpoint: null,
    subject: PROVINCES_GROUP,
  },
];

export const SAMPLE_FEDERATION: SampleFederation = {
  instance: 'VN',
  agencies: AGENCIES,
  subsystems: [...SUBSYSTEMS, ...DOCEX_SUBSYSTEMS],
  gateways: GATEWAYS,
  services: [...SERVICES, ...DOCEX_SERVICES],
  groups: [...GROUPS, ...DOCEX_GROUPS],
  accessRights: [...ACCESS_RIGHTS, ...DOCEX_ACCESS_RIGHTS],
};
