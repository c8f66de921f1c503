import { changeGroupMembership, insertAccessRight, insertGroup } from '../access.service.ts';
import { type Actor, type RegistryContext, SYSTEM_ACTOR } from '../context.ts';
import { insertGateway, insertGatewayClient } from '../gateways.service.ts';
import { insertMember, insertSubsystem } from '../members.service.ts';
import { insertService } from '../services.service.ts';
import { SAMPLE_FEDERATION, type SampleFederation } from './federation.ts';

/**
 * Loads the sample federation into an empty registry through the same service functions the
 * API uses (so it is validated and audited like any other change), in one transaction.
 * Returns false, doing nothing, when the registry already has members.
 */
export interface LoadSampleOptions {
  /** Where each sample gateway will listen; the demo assigns local ports. */
  gatewayAddress: (memberCode: string, gatewayCode: string, index: number) => string;
  federation?: SampleFederation;
  actor?: Actor;
}

export async function loadSampleFederation(
  ctx: RegistryContext,
  options: LoadSampleOptions,
): Promise<boolean> {
  const f = options.federation ?? SAMPLE_FEDERATION;
  const actor = options.actor ?? SYSTEM_ACTOR;
  const any = await ctx.db.selectFrom('members').select('id').limit(1).executeTakeFirst();
  if (any) return false;
  await ctx.db.transaction().execute(async (tx) => {
    const cls = 'GOV';
    for (const a of f.agencies) {
      await insertMember(ctx, tx, actor, {
        memberClass: cls,
        memberCode: a.code,
        nameVi: a.nameVi,
        nameEn: a.nameEn,
        kind: a.kind,
        parentCode: a.parentCode,
      });
    }
    for (const s of f.subsystems) {
      await insertSubsystem(ctx, tx, actor, {
        memberClass: cls,
        memberCode: s.memberCode,
        subsystemCode: s.code,
        nameVi: s.nameVi,
        nameEn: s.nameEn,
      });
    }
    for (const [i, g] of f.gateways.entries()) {
      await insertGateway(ctx, tx, actor, {
        memberClass: cls,
        memberCode: g.memberCode,
        gatewayCode: g.code,
        addresses: [options.gatewayAddress(g.memberCode, g.code, i)],
      });
    }
    // Each information system is served by its agency's gateway, or the nearest ancestor's.
    const parentOf = new Map(f.agencies.map((a) => [a.code, a.parentCode]));
    for (const s of f.subsystems) {
      const gateway = gatewayFor(s.memberCode, f, parentOf);
      if (!gateway) continue;
      await insertGatewayClient(ctx, tx, actor, {
        gateway: { memberClass: cls, memberCode: gateway.memberCode, gatewayCode: gateway.code },
        subsystem: { memberClass: cls, memberCode: s.memberCode, subsystemCode: s.code },
      });
    }
    for (const s of f.services) {
      await insertService(ctx, tx, actor, {
        memberClass: cls,
        memberCode: s.memberCode,
        subsystemCode: s.subsystemCode,
        serviceCode: s.code,
        version: s.version,
        titleVi: s.titleVi,
        titleEn: s.titleEn,
        personalData: s.personalData,
        endpoints: s.endpoints,
        openapi: s.openapi,
      });
    }
    for (const g of f.groups) {
      await insertGroup(ctx, tx, actor, {
        code: g.code,
        descriptionVi: g.descriptionVi,
        descriptionEn: g.descriptionEn,
      });
      for (const m of g.members) {
        await changeGroupMembership(ctx, tx, actor, g.code, { memberClass: cls, ...m }, true);
      }
    }
    for (const r of f.accessRights) {
      await insertAccessRight(ctx, tx, actor, {
        service: {
          memberClass: cls,
          memberCode: r.provider.memberCode,
          subsystemCode: r.provider.subsystemCode,
          serviceCode: r.provider.serviceCode,
          version: f.services.find(
            (s) =>
              s.memberCode === r.provider.memberCode &&
              s.subsystemCode === r.provider.subsystemCode &&
              s.code === r.provider.serviceCode,
          )?.version,
        },
        endpoint: r.endpoint,
        subject:
          r.subject.type === 'group'
            ? { type: 'group', code: r.subject.code }
            : {
                type: 'subsystem',
                memberClass: cls,
                memberCode: r.subject.memberCode,
                subsystemCode: r.subject.subsystemCode,
              },
      });
    }
  });
  return true;
}

function gatewayFor(memberCode: string, f: SampleFederation, parentOf: Map<string, string | null>) {
  let code: string | null | undefined = memberCode;
  while (code) {
    const gw = f.gateways.find((g) => g.memberCode === code);
    if (gw) return gw;
    code = parentOf.get(code);
  }
  return undefined;
}
