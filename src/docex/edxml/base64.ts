/** Base64 in pieces, so an attachment of any size passes through a few kilobytes of memory. */
import { EDXML_ERRORS, edxmlError } from './errors.ts';

export class Base64Encoder {
  private carry: Buffer = Buffer.alloc(0);

  /** Encodes what completes whole 3-byte groups; the remainder waits for the next chunk. */
  push(chunk: Uint8Array): string {
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : Buffer.from(chunk);
    const whole = data.length - (data.length % 3);
    this.carry = Buffer.from(data.subarray(whole));
    return data.subarray(0, whole).toString('base64');
  }

  end(): string {
    const rest = this.carry.toString('base64');
    this.carry = Buffer.alloc(0);
    return rest;
  }
}

const WHITESPACE = /[ \t\r\n]+/g;
const ALPHABET = /^[A-Za-z0-9+/]*$/;

/** Strict decoder: only the base64 alphabet and whitespace, padding only at the very end. */
export class Base64Decoder {
  private pending = '';
  private padding = 0;

  constructor(private readonly path: string) {}

  private fail(rule: string): Error {
    return edxmlError(EDXML_ERRORS.badBase64, `${this.path} is not valid base64: ${rule}.`, {
      path: this.path,
      rule,
    });
  }

  push(text: string): Buffer {
    const s = text.replace(WHITESPACE, '');
    if (s.length === 0) return Buffer.alloc(0);
    if (this.padding > 0 && s.replace(/=+$/, '') !== '') throw this.fail('data after the "=" padding');
    const pad = s.indexOf('=');
    if (pad >= 0) {
      if (!/^=+$/.test(s.slice(pad))) throw this.fail('data after the "=" padding');
      this.padding += s.length - pad;
      if (this.padding > 2) throw this.fail('more than two "=" padding characters');
    }
    if (!ALPHABET.test(s.replace(/=+$/, ''))) throw this.fail('a character outside the base64 alphabet');
    const all = this.pending + s;
    const whole = all.length - (all.length % 4);
    this.pending = all.slice(whole);
    return Buffer.from(all.slice(0, whole), 'base64');
  }

  end(): void {
    if (this.pending.length > 0) throw this.fail('the length is not a multiple of four');
  }
}
