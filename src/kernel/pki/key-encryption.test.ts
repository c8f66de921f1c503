import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptPrivateKey, encryptPrivateKey, loadPrivateKey } from './key-encryption.ts';
import { generateKeyPair } from './keys.ts';

const PASS = 'correct horse battery';

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code, category: 'bad_input' });
}

/** Rewrites one field of the JSON envelope inside the armour, to simulate tampering. */
interface Envelope {
  v: number;
  kdf: { N: number };
  tag: string;
  data: string;
}

function tamper(armoured: string, edit: (env: Envelope) => void): string {
  const body = armoured.split('\n').slice(1, -2).join('');
  const env = JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as Envelope;
  edit(env);
  const b64 = Buffer.from(JSON.stringify(env)).toString('base64');
  return `-----BEGIN LIENTHONG ENCRYPTED PRIVATE KEY-----\n${b64}\n-----END LIENTHONG ENCRYPTED PRIVATE KEY-----\n`;
}

function flipFirstByte(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

describe('private key encryption at rest', () => {
  const { privateKeyPem } = generateKeyPair();

  it('round-trips through the armoured envelope, which records its KDF parameters', async () => {
    const armoured = await encryptPrivateKey(privateKeyPem, PASS);
    expect(armoured).toMatch(/^-----BEGIN LIENTHONG ENCRYPTED PRIVATE KEY-----\n/);
    expect(armoured).not.toContain(privateKeyPem.split('\n')[1]);
    const env = JSON.parse(
      Buffer.from(armoured.split('\n').slice(1, -2).join(''), 'base64').toString('utf8'),
    );
    expect(env).toMatchObject({
      v: 1,
      kdf: { name: 'scrypt', N: 32768, r: 8, p: 1 },
      cipher: { name: 'aes-256-gcm' },
    });
    expect(Buffer.from(env.kdf.salt, 'base64')).toHaveLength(16);
    expect(Buffer.from(env.cipher.iv, 'base64')).toHaveLength(12);
    expect(await decryptPrivateKey(armoured, PASS)).toBe(privateKeyPem);
  });

  it('uses a fresh salt and IV each time', async () => {
    const [a, b] = await Promise.all([
      encryptPrivateKey(privateKeyPem, PASS),
      encryptPrivateKey(privateKeyPem, PASS),
    ]);
    expect(a).not.toBe(b);
  });

  it('refuses a wrong passphrase', async () => {
    const armoured = await encryptPrivateKey(privateKeyPem, PASS);
    await expectCode(decryptPrivateKey(armoured, 'incorrect horse battery'), 'pki.wrong_passphrase');
  });

  it('detects a tampered ciphertext, tag or KDF parameter', async () => {
    const armoured = await encryptPrivateKey(privateKeyPem, PASS);
    const tampered = [
      tamper(armoured, (env) => {
        env.data = flipFirstByte(env.data);
      }),
      tamper(armoured, (env) => {
        env.tag = flipFirstByte(env.tag);
      }),
      tamper(armoured, (env) => {
        env.kdf.N = 2 ** 14;
      }),
    ];
    for (const t of tampered) await expectCode(decryptPrivateKey(t, PASS), 'pki.wrong_passphrase');
  });

  it('reports unparseable input and hostile KDF parameters as malformed', async () => {
    const armoured = await encryptPrivateKey(privateKeyPem, PASS);
    await expectCode(decryptPrivateKey('not a key', PASS), 'pki.malformed_key');
    await expectCode(
      decryptPrivateKey(armoured.replace(/\n[A-Za-z0-9+/=]+\n/, '\n!!!!\n'), PASS),
      'pki.malformed_key',
    );
    const hugeN = tamper(armoured, (env) => {
      env.kdf.N = 2 ** 30;
    });
    await expectCode(decryptPrivateKey(hugeN, PASS), 'pki.malformed_key');
    const future = tamper(armoured, (env) => {
      env.v = 2;
    });
    await expectCode(decryptPrivateKey(future, PASS), 'pki.malformed_key');
  });

  it('refuses passphrases shorter than 8 characters, counting characters not bytes', async () => {
    await expectCode(encryptPrivateKey(privateKeyPem, 'short'), 'pki.weak_passphrase');
    await expectCode(encryptPrivateKey(privateKeyPem, 'mậtkhẩu'), 'pki.weak_passphrase');
    expect(await encryptPrivateKey(privateKeyPem, 'mậtkhẩu1')).toContain('LIENTHONG ENCRYPTED');
  });

  it('refuses to encrypt something that is not a private key', async () => {
    await expectCode(
      encryptPrivateKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----', PASS),
      'pki.malformed_key',
    );
  });
});

describe('loadPrivateKey', () => {
  const { privateKeyPem } = generateKeyPair();
  const keyObject = createPrivateKey(privateKeyPem);

  it('loads our envelope, standard encrypted PKCS#8, plain PKCS#8 and SEC1 to the same PKCS#8', async () => {
    const ours = await encryptPrivateKey(privateKeyPem, PASS);
    const pkcs8Encrypted = keyObject
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASS })
      .toString();
    const sec1 = keyObject.export({ type: 'sec1', format: 'pem' }).toString();
    expect(pkcs8Encrypted).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expect(sec1).toContain('BEGIN EC PRIVATE KEY');
    expect(await loadPrivateKey(ours, PASS)).toBe(privateKeyPem);
    expect(await loadPrivateKey(pkcs8Encrypted, PASS)).toBe(privateKeyPem);
    expect(await loadPrivateKey(privateKeyPem)).toBe(privateKeyPem);
    expect(await loadPrivateKey(sec1)).toBe(privateKeyPem);
  });

  it('asks for a passphrase when an encrypted key comes without one, and refuses a wrong one', async () => {
    const pkcs8Encrypted = keyObject
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASS })
      .toString();
    await expectCode(loadPrivateKey(pkcs8Encrypted), 'pki.passphrase_required');
    await expectCode(loadPrivateKey(await encryptPrivateKey(privateKeyPem, PASS)), 'pki.passphrase_required');
    await expectCode(loadPrivateKey(pkcs8Encrypted, 'wrong passphrase'), 'pki.wrong_passphrase');
  });

  it('reports garbage as a malformed key', async () => {
    await expectCode(loadPrivateKey('hello'), 'pki.malformed_key');
  });
});
