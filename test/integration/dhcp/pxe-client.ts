// A DHCP client standing in for a machine's PXE firmware: busybox udhcpc in
// the client namespace, sending the vendor class (option 60), client
// architecture (option 93, RFC 4578) and user class (option 77) a real ROM
// or iPXE would send, and reporting what the server answered.

import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DHCP_TOOLS } from './debian-tools.js';
import type { NetnsPair } from './netns-pair.js';
import { setClientMac } from './netns-pair.js';

export interface PxeRequest {
  mac: string;
  /** Option 60; PXE ROMs send "PXEClient:Arch:…", UEFI HTTP boot "HTTPClient". */
  vendorClass?: string;
  /** Option 93 value. */
  arch?: number;
  /** Option 77, as iPXE sends it ("iPXE"). */
  userClass?: string;
}

/** What the lease said: udhcpc's script variables. */
export type Lease = Partial<Record<'ip' | 'siaddr' | 'boot_file' | 'hostname' | 'domain' | 'dns' | 'vendor', string>>;

const SCRIPT = '#!/bin/sh\n[ "$1" = bound ] && env > "$(dirname "$0")/lease.env"\nexit 0\n';

function hex(text: string): string {
  return Buffer.from(text).toString('hex');
}

export async function requestLease(pair: NetnsPair, request: PxeRequest): Promise<Lease> {
  setClientMac(pair, request.mac);
  const dir = await mkdtemp(join(tmpdir(), 'dploy-udhcpc-'));
  try {
    await writeFile(join(dir, 'script.sh'), SCRIPT);
    await chmod(join(dir, 'script.sh'), 0o755);
    const args = ['netns', 'exec', pair.client, DHCP_TOOLS.udhcpc.path, '-i', pair.clientIf, '-f', '-q', '-n', '-t', '5', '-T', '2', '-O', '60'];
    args.push('-s', join(dir, 'script.sh'));
    if (request.vendorClass !== undefined) args.push('-V', request.vendorClass);
    if (request.arch !== undefined) args.push('-x', `0x5d:${request.arch.toString(16).padStart(4, '0')}`);
    if (request.userClass !== undefined) args.push('-x', `0x4d:${hex(request.userClass)}`);
    await new Promise<void>((resolve, reject) => {
      execFile(DHCP_TOOLS.ip.path, args, { timeout: 20_000 }, (err, _out, stderr) =>
        err === null ? resolve() : reject(new Error(`udhcpc got no lease for ${request.mac}: ${stderr}`)),
      );
    });
    const env = await readFile(join(dir, 'lease.env'), 'utf8');
    const lease: Lease = {};
    for (const key of ['ip', 'siaddr', 'boot_file', 'hostname', 'domain', 'dns', 'vendor'] as const) {
      const line = env.split('\n').find((l) => l.startsWith(`${key}=`));
      if (line !== undefined) lease[key] = line.slice(key.length + 1);
    }
    return lease;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
