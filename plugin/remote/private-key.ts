// A private key is checked before connecting: ssh2 throws from connect() on a
// wrong passphrase (synchronously, outside any callback), and an operator
// should read "wrong passphrase", not a stack trace from inside the library.

import ssh2 from 'ssh2';
import { DployError } from '../errors.js';

const { utils } = ssh2;

export function checkPrivateKey(privateKey: string, passphrase: string | undefined, owner: string): void {
  let parsed: ReturnType<typeof utils.parseKey>;
  try {
    parsed = utils.parseKey(privateKey, passphrase);
  } catch (err) {
    parsed = err instanceof Error ? err : new Error(String(err));
  }
  if (!(parsed instanceof Error)) return;
  const encrypted = /encrypted|passphrase/i.test(parsed.message);
  if (encrypted && passphrase === undefined)
    throw new DployError('DPLOY_ERR_SSH_KEY', `the SSH private key for ${owner} is protected by a passphrase and none is stored; set it with --ssh-passphrase`);
  if (passphrase !== undefined && (encrypted || /decrypt|bad/i.test(parsed.message)))
    throw new DployError('DPLOY_ERR_SSH_KEY', `the SSH private key for ${owner} does not open with the stored passphrase (wrong passphrase)`);
  throw new DployError('DPLOY_ERR_SSH_KEY', `the SSH private key for ${owner} is not a key ssh2 can read: ${parsed.message}`);
}
