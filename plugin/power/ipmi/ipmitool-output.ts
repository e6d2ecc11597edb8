// ipmitool's words (run with -v) sorted into the kinds of failure dploy acts
// on differently, as MAAS does for its ipmipower/ipmitool drivers. The texts
// are ipmitool 1.8.19's (lanplus.c, ipmi_strings.c completion codes).

import { DployError, type ErrorCode } from '../../errors.js';

interface Rule {
  pattern: RegExp;
  code: ErrorCode | 'cipher';
  say: string;
}

// Order matters: the first rule that matches wins, and the generic
// "Unable to establish IPMI v2 / RMCP+ session" that ends every failed login
// must come after the lines that say why.
const RULES: readonly Rule[] = [
  {
    // The last: a BMC that answers suite 17's open session with its own (SHA-1) algorithms, as pyghmi's does.
    pattern:
      /invalid (authentication|integrity|confidentiality) algorithm|no matching cipher suite|unsupported cipher suite|(authentication|integrity|encryption) algorithm 0x[0-9a-f]+ is not what we requested/i,
    code: 'cipher',
    say: 'cipher suite refused',
  },
  {
    pattern: /RAKP 2 HMAC is invalid|unauthorized name|invalid (user ?name|password)|RAKP \d message indicates an error : (invalid|unauthorized)/i,
    code: 'DPLOY_ERR_BMC_AUTH',
    say: 'login refused: wrong user or password',
  },
  {
    pattern: /failed: Insufficient privilege level|requested maximum privilege level/i,
    code: 'DPLOY_ERR_BMC_AUTH',
    say: 'the user lacks the OPERATOR privilege',
  },
  {
    pattern: /Node busy|Out of space|Command response could not be provided|SDR Repository in update mode|Device firmware in update mode/i,
    code: 'DPLOY_ERR_BMC_BUSY',
    say: 'BMC busy',
  },
  {
    pattern:
      /Invalid command|Invalid data field in request|Command not supported in present state|Parameter out of range|Request data field length limit exceeded/i,
    code: 'DPLOY_ERR_BMC_UNSUPPORTED',
    say: 'command not supported by this BMC',
  },
  {
    pattern:
      /Get Auth Capabilities error|Error issuing Get Channel Authentication|No response from remote controller|Address lookup for .* failed|Connection refused|timed out|Unable to establish IPMI v2/i,
    code: 'DPLOY_ERR_BMC_UNREACHABLE',
    say: 'BMC not answering',
  },
];

export type IpmiFailure = { kind: 'cipher'; detail: string } | { kind: 'error'; error: DployError };

/** Classifies the output of an ipmitool run that exited non-zero. */
export function classifyIpmitool(output: string, where: string): IpmiFailure {
  const detail = lastMeaningfulLine(output);
  for (const rule of RULES) {
    if (!rule.pattern.test(output)) continue;
    if (rule.code === 'cipher') return { kind: 'cipher', detail };
    return { kind: 'error', error: new DployError(rule.code, `${where}: ${rule.say} (ipmitool: ${detail})`) };
  }
  return { kind: 'error', error: new DployError('DPLOY_ERR_BMC', `${where}: ipmitool failed: ${detail}`) };
}

/** -v adds chatter (IANA registry, HPM probes) that says nothing about the failure. */
function lastMeaningfulLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^Loading IANA|HPM\.x|Get VSO|Discovered IPMB|^>?\s*$/.test(l));
  const why = lines.filter((l) => !/Unable to establish IPMI v2/.test(l));
  return (why.at(-1) ?? lines.at(-1) ?? 'no output').slice(0, 200);
}

/** ipmitool's timeout (-N seconds) and retries (-R) that fit one call's budget: an unreachable BMC takes about N×(R+1). */
export function timeoutAndRetries(budgetMs: number): { timeoutS: number; retries: number } {
  const timeoutS = budgetMs >= 4000 ? 2 : 1;
  const retries = Math.min(3, Math.max(0, Math.floor(budgetMs / 1000 / timeoutS) - 1));
  return { timeoutS, retries };
}
