// dploy hosts set HOST --bmc ipmi://user@addr[:port]: how dploy reaches the
// machine's BMC. The password never comes from the command line (every local
// user reads it in ps): from --bmc-password-file or DPLOY_BMC_PASSWORD, and
// it is sealed before it reaches the database.
// dploy hosts accept-cert HOST --fingerprint SHA256: pins the BMC's TLS
// certificate, the one the refusal named, after the operator checked it.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DployError } from '../errors.js';
import { openSecretBox } from '../secret-box.js';
import { describeBmc, sealBmc } from '../power/bmc-credentials.js';
import { getHost } from '../store/hosts.js';
import { SHA256_FINGERPRINT } from '../power/bmc-tls.js';
import { pinBmcCertificate, readHostBmc, removeHostBmc, writeHostBmc } from '../store/host-bmcs.js';
import { configOf, print, printJson, withStore } from './context.js';

interface SetFlags {
  bmc?: string;
  bmcPasswordFile?: string;
  removeBmc?: boolean;
  keyFile?: string;
  json?: boolean;
}

/** The BMC password from --bmc-password-file or DPLOY_BMC_PASSWORD; `flag` names what needs it in the refusal. */
export function bmcPassword(flags: { bmcPasswordFile?: string }, flag = '--bmc'): string {
  if (flags.bmcPasswordFile) {
    const text = readFileSync(flags.bmcPasswordFile, 'utf8').replace(/\r?\n$/, '');
    if (!text) throw new DployError('DPLOY_ERR_INVALID_INPUT', `${flags.bmcPasswordFile} is empty`);
    return text;
  }
  const env = process.env.DPLOY_BMC_PASSWORD;
  if (env) return env;
  throw new DployError(
    'DPLOY_ERR_INVALID_INPUT',
    `${flag} needs the BMC password from --bmc-password-file FILE or the DPLOY_BMC_PASSWORD environment variable`,
  );
}

export function addHostsSetCommand(hosts: Command): void {
  hosts
    .command('set <host>')
    .description("set how dploy reaches the machine's BMC (power on/off, PXE once)")
    .option('--bmc <address>', 'ipmi|redfish|ribcl://user@host[:port][?tls=1.0|?insecure]')
    .option('--bmc-password-file <path>', 'file holding the BMC password (else DPLOY_BMC_PASSWORD)')
    .option('--remove-bmc', 'forget the BMC: tasks wait for a person to power-cycle again')
    .option('--key-file <path>', 'key file sealing secrets (default: installers.secretKeyFile)')
    .option('--json', 'print JSON for scripts')
    .action(async (ref: string, flags: SetFlags, command: Command) => {
      if (!flags.bmc && !flags.removeBmc) throw new DployError('DPLOY_ERR_INVALID_INPUT', 'nothing to set: give --bmc ADDRESS or --remove-bmc');
      const box = flags.bmc ? openSecretBox(flags.keyFile ?? configOf(command).config.installers.secretKeyFile) : undefined;
      const password = flags.bmc ? bmcPassword(flags) : '';
      const result = await withStore(command, async (store) => {
        const host = await getHost(store.db.manager, ref);
        if (flags.removeBmc) return { host, bmc: null, removed: await removeHostBmc(store.db.manager, host.id) };
        const stored = sealBmc(host.id, flags.bmc!, password, box!);
        await writeHostBmc(store.db.manager, stored);
        return { host, bmc: describeBmc((await readHostBmc(store.db.manager, host.id))!), removed: false };
      });
      if (flags.json) return printJson({ host: result.host.name, bmc: result.bmc });
      print(result.bmc ? `host ${result.host.name}: BMC ${result.bmc}\n` : `host ${result.host.name}: ${result.removed ? 'BMC removed' : 'had no BMC'}\n`);
    });
}

export function addHostsAcceptCertCommand(hosts: Command): void {
  hosts
    .command('accept-cert <host>')
    .description("pin the TLS certificate of the machine's BMC (Redfish, iLO) by its SHA-256 fingerprint")
    .requiredOption('--fingerprint <sha256>', 'as the refusal printed it, or `openssl x509 -noout -fingerprint -sha256` shows it')
    .option('--json', 'print JSON for scripts')
    .action(async (ref: string, flags: { fingerprint: string; json?: boolean }, command: Command) => {
      const fingerprint = flags.fingerprint.replace(/^sha256 fingerprint=/i, '').toUpperCase();
      if (!SHA256_FINGERPRINT.test(fingerprint))
        throw new DployError(
          'DPLOY_ERR_INVALID_INPUT',
          `--fingerprint: expected 32 colon-separated hex bytes (AB:CD:…), got ${JSON.stringify(flags.fingerprint.slice(0, 120))}`,
        );
      const host = await withStore(command, async (store) => {
        const found = await getHost(store.db.manager, ref);
        const bmc = await readHostBmc(store.db.manager, found.id);
        if (!bmc || bmc.driver === 'ipmi')
          throw new DployError('DPLOY_ERR_NOT_FOUND', `host ${found.name} has no TLS BMC (redfish or ribcl) to pin a certificate for`);
        await pinBmcCertificate(store.db.manager, found.id, fingerprint);
        return found;
      });
      if (flags.json) return printJson({ host: host.name, certSha256: fingerprint });
      print(`host ${host.name}: BMC certificate pinned, SHA-256 ${fingerprint}; any other certificate is now refused\n`);
    });
}
