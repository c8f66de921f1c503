import { Type } from '@sinclair/typebox';
import {
  certificateStatus,
  getCertificate,
  issueMemberCertificate,
  listCertificates,
  revokeCertificate,
} from '../ca.service.ts';
import { actorOf, type RegisterRoutes } from './context.ts';
import * as S from './schemas.ts';

/** Certificates: issue from a PKCS#10 request, list, revoke; public CA certificate and status. */
export const registerPkiRoutes: RegisterRoutes = (app, { ctx, ca, onChange }) => {
  const tags = ['certificates'];
  app.post(
    '/api/v1/certificates',
    {
      schema: {
        tags,
        summary:
          'Issue a certificate from a PKCS#10 request: auth (gateway TLS) or sign (member signing, ES256)',
        body: Type.Object(
          {
            memberClass: S.MemberClass,
            memberCode: S.MemberCode,
            usage: Type.Union([Type.Literal('auth'), Type.Literal('sign')]),
            gatewayCode: Type.Optional(Type.String()),
            csr: Type.String({
              description: 'PKCS#10 request, PEM or base64 DER; the key must be EC P-256',
              maxLength: 20000,
            }),
            validityDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 1095 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: S.Certificate, ...S.authErrors, 409: S.ErrorResponse },
      },
    },
    async (req, reply) => {
      const cert = await issueMemberCertificate(ctx, ca, actorOf(req), req.body);
      onChange();
      return reply.status(201).send(cert);
    },
  );

  app.get(
    '/api/v1/certificates',
    {
      schema: {
        tags,
        summary: 'Issued certificates, optionally of one member',
        querystring: Type.Object({
          memberClass: Type.Optional(Type.String()),
          memberCode: Type.Optional(Type.String()),
        }),
        response: { 200: Type.Array(S.Certificate), ...S.authErrors },
      },
    },
    async (req) => {
      const { memberClass, memberCode } = req.query;
      return listCertificates(ctx, memberClass && memberCode ? { memberClass, memberCode } : undefined);
    },
  );

  app.get(
    '/api/v1/certificates/:serial',
    {
      schema: {
        tags,
        summary: 'One certificate',
        params: Type.Object({ serial: Type.String() }),
        response: { 200: S.Certificate, ...S.authErrors },
      },
    },
    async (req) => getCertificate(ctx, req.params.serial),
  );

  app.post(
    '/api/v1/certificates/:serial/revoke',
    {
      config: { optionalBody: true },
      schema: {
        tags,
        summary: 'Revoke a certificate (its agency or the operator)',
        params: Type.Object({ serial: Type.String() }),
        body: Type.Object(
          { reason: Type.Optional(Type.String({ maxLength: 500 })) },
          { additionalProperties: false },
        ),
        response: { 200: S.Certificate, ...S.authErrors, 409: S.ErrorResponse },
      },
    },
    async (req) => {
      const cert = await revokeCertificate(ctx, actorOf(req), req.params.serial, req.body.reason ?? '');
      onChange();
      return cert;
    },
  );

  app.get(
    '/pki/ca.pem',
    { config: { public: true }, schema: { tags, summary: 'The platform root CA certificate (public)' } },
    async (_req, reply) => reply.type('application/x-pem-file').send(ca.root.certificatePem),
  );

  app.get(
    '/pki/status/:serial',
    {
      config: { public: true },
      schema: {
        tags,
        summary: "A certificate's revocation status, signed by the root CA (public; gateways consult it)",
        description: 'Answers application/jose (a compact JWS) when asked, JSON with the JWS otherwise.',
        params: Type.Object({ serial: Type.String() }),
      },
    },
    async (req, reply) => {
      const { status, jws } = await certificateStatus(ctx, ca, req.params.serial);
      reply.header('cache-control', 'max-age=60');
      if ((req.headers.accept ?? '').includes('application/jose'))
        return reply.type('application/jose').send(jws);
      return { ...status, jws };
    },
  );
};
