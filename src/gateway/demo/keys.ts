import { createCsr, generateKeyPair } from '../../kernel/pki/index.ts';
import { issueMemberCertificate } from '../../registry/ca.service.ts';
import { SYSTEM_ACTOR } from '../../registry/context.ts';
import type { RunningRegistry } from '../../registry/index.ts';

/** A gateway's keys with certificates from the registry's CA, for demos, tests and benchmarks. */
export interface GatewayKeys {
  tls: { certificatePem: string; privateKeyPem: string };
  signing: { certificatePem: string; privateKeyPem: string };
}

export async function issueGatewayKeys(
  registry: RunningRegistry,
  memberCode: string,
  gatewayCode = 'gw1',
): Promise<GatewayKeys> {
  const issue = async (usage: 'auth' | 'sign') => {
    const keys = generateKeyPair();
    const cert = await issueMemberCertificate(registry.ctx, registry.ca, SYSTEM_ACTOR, {
      memberClass: 'GOV',
      memberCode,
      usage,
      gatewayCode: usage === 'auth' ? gatewayCode : undefined,
      csr: await createCsr({ ...keys, subject: { commonName: memberCode } }),
    });
    return { certificatePem: cert.certificatePem, privateKeyPem: keys.privateKeyPem };
  };
  return { tls: await issue('auth'), signing: await issue('sign') };
}
