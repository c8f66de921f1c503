import { badInput } from '../kernel/errors.ts';
import type { GlobalConfiguration } from '../kernel/globalconf/index.ts';
import { DOCEX_SERVICE, DOCEX_SUBSYSTEM } from './context.ts';

/**
 * Who can receive documents: agencies of the federation whose docex service is in the signed
 * global configuration. A send names agencies by code, a kind of agency (e.g. all provinces'
 * People's Committees: kind `province`), or a registry group (e.g. `provincial-committees`:
 * the agencies of its information systems), or any mix of them.
 */
export interface Recipient {
  organId: string;
  organName: string;
}

export function docexAgencies(conf: GlobalConfiguration): Map<string, Recipient> {
  const services = new Set(
    conf.services
      .filter((s) => s.code === DOCEX_SERVICE && s.providerId.endsWith(`/${DOCEX_SUBSYSTEM}`))
      .map((s) => s.providerId.split('/')[2]!),
  );
  const out = new Map<string, Recipient>();
  for (const m of conf.members) {
    if (services.has(m.memberCode)) out.set(m.memberCode, { organId: m.memberCode, organName: m.nameVi });
  }
  return out;
}

export function resolveRecipients(
  conf: GlobalConfiguration,
  self: string,
  codes: readonly string[],
  kinds: readonly string[],
  groups: readonly string[] = [],
): Recipient[] {
  const agencies = docexAgencies(conf);
  const unknown = codes.filter((c) => !agencies.has(c));
  if (unknown.length > 0) {
    throw badInput(
      'docex.unknown_recipient',
      `Không có cơ quan nhận văn bản điện tử với mã ${unknown.join(', ')}: kiểm tra mã định danh hoặc đăng ký dịch vụ docex của cơ quan đó.`,
      { unknown },
    );
  }
  const chosen = new Map<string, Recipient>();
  for (const c of codes) chosen.set(c, agencies.get(c)!);
  if (kinds.length > 0) {
    const wanted = new Set(kinds);
    for (const m of conf.members) {
      const r = agencies.get(m.memberCode);
      if (r && wanted.has(m.kind)) chosen.set(m.memberCode, r);
    }
    if (chosen.size === codes.length && codes.length === 0) {
      throw badInput(
        'docex.unknown_recipient',
        `Không có cơ quan nào thuộc nhóm ${kinds.join(', ')} nhận văn bản điện tử.`,
        {
          kinds,
        },
      );
    }
  }
  for (const code of groups) {
    const group = conf.groups.find((g) => g.code === code);
    if (!group) {
      throw badInput('docex.unknown_group', `Không có nhóm ${code} trong cấu hình toàn cục.`, {
        group: code,
      });
    }
    // A registry group lists information systems; their agencies on the axis receive the document.
    for (const member of group.members) {
      const r = agencies.get(member.split('/')[2] ?? '');
      if (r) chosen.set(r.organId, r);
    }
  }
  chosen.delete(self);
  if (chosen.size === 0) {
    throw badInput('docex.no_recipient', 'Văn bản cần ít nhất một cơ quan nhận (khác cơ quan gửi).');
  }
  return [...chosen.values()];
}
