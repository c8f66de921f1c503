/** The issued `auth` certificates must work in a real mutual-TLS handshake, not only in our own checks. */
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRootCa } from './ca.ts';
import { type CaMaterial, issueCertificate } from './certificates.ts';
import { generateKeyPair, type KeyPairPem } from './keys.ts';
import { randomSerialNumber } from './names.ts';

interface Identity extends KeyPairPem {
  certificatePem: string;
}

// Real sockets check validity against the real clock, so issue from a minute ago.
const notBefore = new Date(Date.now() - 60_000);

async function rootCa(commonName: string): Promise<CaMaterial> {
  return createRootCa({
    commonName,
    organization: 'Liên Thông',
    country: 'VN',
    validityDays: 30,
    now: notBefore,
  });
}

async function gateway(ca: CaMaterial, commonName: string, memberCode: string): Promise<Identity> {
  const keys = generateKeyPair();
  const certificatePem = await issueCertificate({
    ca,
    publicKeyPem: keys.publicKeyPem,
    profile: 'auth',
    subject: {
      commonName,
      organization: 'Liên Thông test',
      serialNumber: `VN/GOV/${memberCode}`,
      country: 'VN',
    },
    serialNumber: randomSerialNumber(),
    notBefore,
    validityDays: 7,
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
  });
  return { ...keys, certificatePem };
}

describe('mutual TLS with issued auth certificates', () => {
  let ca: CaMaterial;
  let server: tls.Server;
  let port: number;
  const accepted: string[] = [];
  const refused: Error[] = [];

  beforeAll(async () => {
    ca = await rootCa('Liên Thông Test Root');
    const serverId = await gateway(ca, 'gw-provider', '000.00.00.G18');
    server = tls.createServer({
      key: serverId.privateKeyPem,
      cert: serverId.certificatePem,
      ca: [ca.certificatePem],
      requestCert: true,
      rejectUnauthorized: true,
    });
    server.on('secureConnection', (socket) => {
      accepted.push(String(socket.getPeerCertificate().subject.CN));
      socket.end('hello from gw-provider\n');
    });
    server.on('tlsClientError', (err) => refused.push(err));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function connect(client: Identity): tls.TLSSocket {
    return tls.connect({
      host: '127.0.0.1',
      port,
      key: client.privateKeyPem,
      cert: client.certificatePem,
      ca: [ca.certificatePem],
    });
  }

  it('completes the handshake and each side sees the other certificate', async () => {
    const client = await gateway(ca, 'gw-consumer', '000.00.00.H49');
    const socket = connect(client);
    const { serverCn, reply } = await new Promise<{ serverCn: string; reply: string }>((resolve, reject) => {
      let data = '';
      let serverCn = '';
      socket.on('secureConnect', () => {
        serverCn = String(socket.getPeerCertificate().subject.CN);
      });
      socket.on('data', (chunk) => {
        data += chunk.toString();
      });
      socket.on('end', () => resolve({ serverCn, reply: data }));
      socket.on('error', reject);
    });
    socket.destroy();
    expect(socket.authorized).toBe(true);
    expect(serverCn).toBe('gw-provider');
    expect(reply).toBe('hello from gw-provider\n');
    expect(accepted).toEqual(['gw-consumer']);
  });

  it('refuses a client whose certificate comes from a different root', async () => {
    const stranger = await gateway(await rootCa('Stranger Root'), 'gw-stranger', '000.00.00.G01');
    const refusedBefore = refused.length;
    const socket = connect(stranger);
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString();
    });
    // In TLS 1.3 the client may finish its side before the server checks the client
    // certificate; Node's server then just drops the socket (reported as ECONNRESET), so the
    // proof of refusal is the server's tlsClientError and the greeting never arriving.
    const clientOutcome = await new Promise<string>((resolve) => {
      socket.on('error', (err) => resolve(`error: ${err.message}`));
      socket.on('close', () => resolve('closed'));
    });
    socket.destroy();
    for (let waited = 0; refused.length === refusedBefore && waited < 5000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(clientOutcome).toMatch(/^(error|closed)/);
    expect(received).toBe('');
    expect(refused.length).toBe(refusedBefore + 1);
    expect(accepted).not.toContain('gw-stranger');
  });
});
