import type { SampleAccessRight, SampleGroup, SampleService, SampleSubsystem } from './federation.ts';

/**
 * The document axis in the sample federation: agencies whose docex node exchanges edXML
 * documents (the Government Office runs the national axis; two ministries and three provinces
 * join it here). Every node may deliver to every other: the group `docex` holds them all.
 */
export const DOCEX_SAMPLE_AGENCIES = [
  { code: '000.00.00.G22', nameVi: 'Văn phòng Chính phủ' },
  { code: '000.00.00.G09', nameVi: 'Bộ Nội vụ' },
  { code: '000.00.00.G01', nameVi: 'Bộ Công an' },
  { code: '000.00.00.H49', nameVi: 'Ủy ban nhân dân tỉnh Quảng Ninh' },
  { code: '000.00.00.H24', nameVi: 'Ủy ban nhân dân thành phố Hà Nội' },
  { code: '000.00.00.H29', nameVi: 'Ủy ban nhân dân Thành phố Hồ Chí Minh' },
] as const;

const SUBSYSTEM = 'docex';
const GROUP = 'docex';

const edxmlOpenapi = {
  openapi: '3.1.0',
  info: {
    title: 'Nhận văn bản điện tử edXML',
    version: 'v1',
    description: 'Trục liên thông văn bản: nhận gói edXML (QCVN 102:2016) và thông điệp trạng thái.',
  },
  paths: {
    '/packages/{documentId}': {
      post: {
        summary: 'Nhận một văn bản (gói edXML: phong bì đã ký và tệp đính kèm Base64)',
        parameters: [
          { name: 'documentId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
        ],
        requestBody: { content: { 'application/xml': { schema: { type: 'string' } } } },
        responses: {
          '200': {
            description: 'Đã lưu (hoặc đã nhận trước đó)',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    id: { type: 'string', format: 'uuid' },
                    duplicate: { type: 'boolean' },
                    receipt: { type: 'string', description: 'Thông điệp trạng thái 01 đã ký (edXML Status)' },
                  },
                  required: ['id', 'duplicate', 'receipt'],
                },
              },
            },
          },
        },
      },
    },
    '/statuses/{documentId}': {
      post: {
        summary: 'Nhận thông điệp trạng thái xử lý (01 … 06, 15, 16)',
        parameters: [
          { name: 'documentId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
        ],
        requestBody: { content: { 'application/xml': { schema: { type: 'string' } } } },
        responses: {
          '200': {
            description: 'Đã ghi nhận (hoặc đã nhận trước đó)',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: { duplicate: { type: 'boolean' } },
                  required: ['duplicate'],
                },
              },
            },
          },
        },
      },
    },
  },
};

export const DOCEX_SUBSYSTEMS: SampleSubsystem[] = DOCEX_SAMPLE_AGENCIES.map((a) => ({
  memberCode: a.code,
  code: SUBSYSTEM,
  nameVi: `Nút trục liên thông văn bản — ${a.nameVi}`,
  nameEn: 'Document exchange node',
}));

export const DOCEX_SERVICES: SampleService[] = DOCEX_SAMPLE_AGENCIES.map((a) => ({
  memberCode: a.code,
  subsystemCode: SUBSYSTEM,
  code: 'edxml',
  version: 'v1',
  titleVi: 'Nhận văn bản điện tử edXML',
  titleEn: 'Receive edXML official documents',
  personalData: false,
  endpoints: [
    { method: 'POST', path: '/packages/{documentId}' },
    { method: 'POST', path: '/statuses/{documentId}' },
  ],
  openapi: edxmlOpenapi,
}));

export const DOCEX_GROUPS: SampleGroup[] = [
  {
    code: GROUP,
    descriptionVi: 'Các nút trục liên thông văn bản',
    descriptionEn: 'Document exchange nodes',
    members: DOCEX_SAMPLE_AGENCIES.map((a) => ({ memberCode: a.code, subsystemCode: SUBSYSTEM })),
  },
];

export const DOCEX_ACCESS_RIGHTS: SampleAccessRight[] = DOCEX_SAMPLE_AGENCIES.map((a) => ({
  provider: { memberCode: a.code, subsystemCode: SUBSYSTEM, serviceCode: 'edxml' },
  endpoint: null,
  subject: { type: 'group', code: GROUP },
}));
