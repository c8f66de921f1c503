import type { TLSSocket } from 'node:tls';

/**
 * The SHA-256 fingerprint (lower-case hex) of the certificate the other end of a TLS connection
 * presented. A pooled connection carries many requests, so it is read once per connection.
 */
const fingerprints = new WeakMap<TLSSocket, string | undefined>();

export function peerFingerprint(socket: TLSSocket): string | undefined {
  if (fingerprints.has(socket)) return fingerprints.get(socket);
  const fp = socket.getPeerCertificate()?.fingerprint256?.replaceAll(':', '').toLowerCase();
  fingerprints.set(socket, fp);
  return fp;
}
