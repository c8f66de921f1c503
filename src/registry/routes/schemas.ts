import { type TSchema, Type } from '@sinclair/typebox';
import { ERROR_RESPONSE_SCHEMA } from '../../kernel/http/server.ts';

/** The registry API's message schemas: one source for validation, types and OpenAPI. */

export const MemberClass = Type.String({
  description: 'X-Road member class: GOV, COM or ORG',
  examples: ['GOV'],
});
export const MemberCode = Type.String({
  description: 'Agency electronic code (GOV), tax code (COM) or organisation code',
  examples: ['000.00.00.G01'],
  minLength: 1,
  maxLength: 64,
});
export const MemberPath = Type.Object({ memberClass: MemberClass, memberCode: MemberCode });
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const MemberInput = Type.Object(
  {
    memberClass: MemberClass,
    memberCode: MemberCode,
    nameVi: Type.String({ description: 'Official Vietnamese name', minLength: 1, maxLength: 300 }),
    nameEn: Type.Optional(Nullable(Type.String({ maxLength: 300 }))),
    kind: Type.String({
      description:
        'ministry, government_body, province, department, district, commune, unit, enterprise, organisation',
    }),
    parentCode: Type.Optional(Nullable(MemberCode)),
  },
  { additionalProperties: false },
);

export const Member = Type.Object({
  id: Type.String({ examples: ['VN/GOV/000.00.00.G01'] }),
  instance: Type.String(),
  memberClass: Type.String(),
  memberCode: Type.String(),
  nameVi: Type.String(),
  nameEn: Nullable(Type.String()),
  kind: Type.String(),
  parentCode: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const SubsystemCode = Type.String({ minLength: 1, maxLength: 64, examples: ['population'] });
export const SubsystemInput = Type.Object(
  {
    subsystemCode: SubsystemCode,
    nameVi: Type.String({ minLength: 1, maxLength: 300 }),
    nameEn: Type.Optional(Nullable(Type.String({ maxLength: 300 }))),
  },
  { additionalProperties: false },
);
export const Subsystem = Type.Object({
  id: Type.String(),
  memberClass: Type.String(),
  memberCode: Type.String(),
  subsystemCode: Type.String(),
  nameVi: Type.String(),
  nameEn: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
});
export const SubsystemRef = Type.Object(
  { memberClass: MemberClass, memberCode: MemberCode, subsystemCode: SubsystemCode },
  { additionalProperties: false },
);

export const GatewayRef = Type.Object(
  {
    memberClass: MemberClass,
    memberCode: MemberCode,
    gatewayCode: Type.String({ minLength: 1, maxLength: 63 }),
  },
  { additionalProperties: false },
);
export const Gateway = Type.Object({
  id: Type.String(),
  memberClass: Type.String(),
  memberCode: Type.String(),
  gatewayCode: Type.String(),
  addresses: Type.Array(Type.String()),
  clients: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const Endpoint = Type.Object(
  {
    method: Type.String({ examples: ['GET'] }),
    path: Type.String({ examples: ['/citizens/{personalId}'] }),
  },
  { additionalProperties: false },
);
export const ServiceRef = Type.Object(
  {
    memberClass: MemberClass,
    memberCode: MemberCode,
    subsystemCode: SubsystemCode,
    serviceCode: Type.String({ minLength: 1, maxLength: 64 }),
    version: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
  },
  { additionalProperties: false },
);
export const ServiceInput = Type.Object(
  {
    ...ServiceRef.properties,
    titleVi: Type.String({ minLength: 1, maxLength: 300 }),
    titleEn: Type.Optional(Nullable(Type.String({ maxLength: 300 }))),
    personalData: Type.Optional(Type.Boolean({ description: 'Callers must state the end user and purpose' })),
    endpoints: Type.Optional(Type.Array(Endpoint, { maxItems: 500 })),
    openapi: Type.Optional(Nullable(Type.Object({}, { additionalProperties: true }))),
  },
  { additionalProperties: false },
);
export const Service = Type.Object({
  id: Type.String(),
  memberClass: Type.String(),
  memberCode: Type.String(),
  subsystemCode: Type.String(),
  serviceCode: Type.String(),
  version: Nullable(Type.String()),
  titleVi: Type.String(),
  titleEn: Nullable(Type.String()),
  personalData: Type.Boolean(),
  endpoints: Type.Array(Endpoint),
  hasOpenapi: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const Group = Type.Object({
  code: Type.String(),
  descriptionVi: Type.String(),
  descriptionEn: Nullable(Type.String()),
  members: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
});

export const Subject = Type.Union([
  Type.Object(
    {
      type: Type.Literal('subsystem'),
      memberClass: MemberClass,
      memberCode: MemberCode,
      subsystemCode: SubsystemCode,
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('group'), code: Type.String() }, { additionalProperties: false }),
]);
export const AccessRightInput = Type.Object(
  { service: ServiceRef, endpoint: Type.Optional(Nullable(Endpoint)), subject: Subject },
  { additionalProperties: false },
);
export const AccessRight = Type.Object({
  id: Type.Integer(),
  service: Type.String(),
  endpoint: Nullable(Endpoint),
  subject: Type.Union([
    Type.Object({ type: Type.Literal('subsystem'), id: Type.String() }),
    Type.Object({ type: Type.Literal('group'), code: Type.String() }),
  ]),
  grantedAt: Type.String({ format: 'date-time' }),
  grantedBy: Type.String(),
});

export const Certificate = Type.Object({
  serial: Type.String(),
  usage: Type.Union([Type.Literal('auth'), Type.Literal('sign')]),
  memberId: Type.String(),
  gatewayCode: Nullable(Type.String()),
  subject: Type.String(),
  fingerprintSha256: Type.String(),
  notBefore: Type.String({ format: 'date-time' }),
  notAfter: Type.String({ format: 'date-time' }),
  daysToExpiry: Type.Integer(),
  revokedAt: Nullable(Type.String({ format: 'date-time' })),
  revocationReason: Nullable(Type.String()),
  certificatePem: Type.String(),
});

export const ManagementRequest = Type.Object({
  id: Type.Integer(),
  type: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]),
  memberClass: Type.String(),
  memberCode: Type.String(),
  entityKey: Type.String(),
  payload: Type.Object({}, { additionalProperties: true }),
  submittedBy: Type.String(),
  submittedAt: Type.String({ format: 'date-time' }),
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(Type.String({ format: 'date-time' })),
  decisionNote: Nullable(Type.String()),
  result: Nullable(Type.Object({}, { additionalProperties: true })),
});

export const RequestInput = Type.Union([
  Type.Object(
    { type: Type.Literal('member.register'), member: MemberInput },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('subsystem.register'),
      subsystem: Type.Object(
        { ...SubsystemRef.properties, ...SubsystemInput.properties },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('gateway.register'),
      gateway: Type.Object(
        { ...GatewayRef.properties, addresses: Type.Array(Type.String(), { minItems: 1, maxItems: 8 }) },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('gateway.client.register'), gateway: GatewayRef, subsystem: SubsystemRef },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('service.register'), service: ServiceInput },
    { additionalProperties: false },
  ),
]);

export const AuditRecord = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.Object({ id: Type.String(), name: Type.String(), role: Type.String() }),
  action: Type.String(),
  entityType: Type.String(),
  entityKey: Type.String(),
  before: Type.Unknown(),
  after: Type.Unknown(),
  requestId: Nullable(Type.String()),
});

export const ErrorResponse = Type.Unsafe<{ code: string; message: string }>(ERROR_RESPONSE_SCHEMA);
/** The error answers every authenticated endpoint can give. */
export const authErrors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };
