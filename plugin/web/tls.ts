// TLS for the operator's side. Booting machines cannot do HTTPS everywhere
// (PXE ROMs, iPXE without trusted roots, installers fetching their answer
// file), so the plain listener stays for them; with a certificate configured
// a second listener serves everything over HTTPS, and the operator's API is
// refused on the plain one: an API token sent in clear is refused loudly, the
// first time, rather than working unnoticed.

import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { onRequestHookHandler } from 'fastify';
import { DployError } from '../errors.js';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** Reads and checks the pair once at start: a missing file or a key that does not match stops the start, with the key named. */
export function readTlsFiles(certFile: string, keyFile: string): TlsFiles {
  const read = (path: string, key: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new DployError('DPLOY_ERR_CONFIG', `http.${key} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
  };
  const files = { cert: read(certFile, 'tlsCertFile'), key: read(keyFile, 'tlsKeyFile') };
  try {
    createSecureContext(files);
  } catch (err) {
    throw new DployError(
      'DPLOY_ERR_CONFIG',
      `http.tlsCertFile ${certFile} and http.tlsKeyFile ${keyFile} are not a PEM certificate and its key: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return files;
}

/** On the plain listener: /api is answered 403 with the HTTPS address to use instead. */
export function apiOverTlsOnly(tlsPort: () => number): onRequestHookHandler {
  return async (request) => {
    if (request.url !== '/api' && !request.url.startsWith('/api/')) return;
    const host = request.hostname.replace(/:\d+$/, '');
    throw new DployError('DPLOY_ERR_TLS_REQUIRED', `the API is served over HTTPS only: https://${host}:${tlsPort()}${request.url.split('?')[0]}`);
  };
}

/**
 * On the plain listener: a console page asked for is sent to its HTTPS
 * address (nothing secret has been sent yet); a form posted here is refused,
 * as its password or session cookie has already crossed in clear.
 */
export function consoleOverTlsOnly(tlsPort: () => number): onRequestHookHandler {
  return async (request, reply) => {
    const address = `https://${request.hostname.replace(/:\d+$/, '')}:${tlsPort()}${request.url}`;
    if (request.method === 'GET' || request.method === 'HEAD') return reply.redirect(address, 301);
    throw new DployError('DPLOY_ERR_TLS_REQUIRED', `the console is served over HTTPS only: ${address.split('?')[0]}`);
  };
}
