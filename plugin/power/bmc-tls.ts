// The TLS connection to a BMC (Redfish, HP iLO RIBCL), trusted the way the
// operator chose for that one BMC (driver.ts BmcTls). BMCs ship self-signed
// certificates, so a certificate no CA vouches for is refused with its
// SHA-256 fingerprint in the message, and the operator pins it
// (`dploy hosts accept-cert`), as SSH host keys are pinned; once pinned, only
// that certificate is accepted, so a changed one is refused too.
//
// The handshake is finished and checked here before the caller writes a
// byte: the Basic-auth header or the RIBCL LOGIN never reaches a peer that
// failed the check.

import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { DployError } from '../errors.js';
import type { BmcTarget } from './driver.js';

/** Colon hex, upper case: what `openssl x509 -noout -fingerprint -sha256` and Node's fingerprint256 print. */
export const SHA256_FINGERPRINT = /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/;

export function connectBmcTls(bmc: BmcTarget, defaultPort: number, budgetMs: number, where: string): Promise<TLSSocket> {
  const tls = bmc.tls ?? {};
  const options: ConnectionOptions = {
    host: bmc.address,
    port: bmc.port ?? defaultPort,
    // Checked by hand below, once the whole verdict (CA, name, pin) is known.
    rejectUnauthorized: false,
    ...(isIP(bmc.address) ? {} : { servername: bmc.address }),
    // OpenSSL 3 refuses TLS 1.0 twice: the protocol, and its SHA-1 signatures at the default security level.
    ...(tls.legacyTls10 ? { minVersion: 'TLSv1' as const, ciphers: 'DEFAULT:@SECLEVEL=0' } : {}),
  };
  return new Promise((resolve, reject) => {
    const socket = connect(options);
    const timer = setTimeout(() => socket.destroy(new Error(`no TLS handshake within ${budgetMs} ms`)), budgetMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const refusal = verdict(socket, bmc, where);
      if (refusal) {
        socket.destroy();
        return reject(refusal);
      }
      resolve(socket);
    });
    socket.once('error', (err: Error & { code?: string }) => {
      clearTimeout(timer);
      reject(handshakeError(err, bmc, where));
    });
  });
}

function verdict(socket: TLSSocket, bmc: BmcTarget, where: string): DployError | undefined {
  const tls = bmc.tls ?? {};
  if (tls.insecure) return undefined;
  const presented = socket.getPeerCertificate().fingerprint256 ?? '';
  if (tls.pinnedSha256) {
    if (presented === tls.pinnedSha256) return undefined;
    return new DployError(
      'DPLOY_ERR_BMC_CERTIFICATE',
      `${where}: the TLS certificate changed; if the new one is right (check its SHA-256 on the BMC), pin it: dploy hosts accept-cert HOST --fingerprint ${presented} (pinned was ${tls.pinnedSha256}; a replaced certificate and a machine in the middle look the same from here)`,
    );
  }
  if (socket.authorized) return undefined;
  // The command comes early: a host's status line keeps 255 characters.
  return new DployError(
    'DPLOY_ERR_BMC_CERTIFICATE',
    `${where}: untrusted TLS certificate; check its SHA-256 on the BMC, then pin it: dploy hosts accept-cert HOST --fingerprint ${presented} (${String(socket.authorizationError)}; a lab BMC may be marked ?insecure instead)`,
  );
}

function handshakeError(err: Error & { code?: string }, bmc: BmcTarget, where: string): DployError {
  const code = err.code ?? '';
  // What OpenSSL 3 says when the peer offers only TLS 1.0/1.1 (protocol version alert, or its SHA-1 signature refused).
  if (!bmc.tls?.legacyTls10 && /PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|LEGACY_SIGALG|WRONG_VERSION/.test(code)) {
    return new DployError(
      'DPLOY_ERR_BMC_UNSUPPORTED',
      `${where}: the BMC speaks only an old TLS version (${code}); if it is old iLO firmware, allow TLS 1.0 for this BMC alone by adding ?tls=1.0 to its address`,
    );
  }
  if (/^ERR_SSL|^ERR_TLS/.test(code)) return new DployError('DPLOY_ERR_BMC_UNSUPPORTED', `${where}: TLS handshake failed (${code})`);
  return new DployError('DPLOY_ERR_BMC_UNREACHABLE', `${where}: BMC not answering (${err.message})`);
}
