// A throwaway certificate for a TLS test peer (Redfish double, fake iLO),
// made by the real `openssl` at test time, with its SHA-256 fingerprint as
// `openssl x509 -fingerprint -sha256` prints it (what dploy pins).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SelfSignedCert {
  key: Buffer;
  cert: Buffer;
  certPath: string;
  sha256: string;
  remove(): void;
}

export function makeSelfSignedCert(prefix: string, keyType: 'ec' | 'rsa' = 'ec'): SelfSignedCert {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const keyArgs = keyType === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      ...keyArgs,
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const printed = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', join(dir, 'cert.pem')], { encoding: 'utf8' });
  return {
    key: readFileSync(join(dir, 'key.pem')),
    cert: readFileSync(join(dir, 'cert.pem')),
    certPath: join(dir, 'cert.pem'),
    sha256: printed.trim().replace(/^sha256 Fingerprint=/i, ''),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
