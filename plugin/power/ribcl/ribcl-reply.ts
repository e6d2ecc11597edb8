// An iLO's answer: several XML documents one after another (one per command,
// plus one for the login), each <?xml …?><RIBCL VERSION="2.xx"> with a
// <RESPONSE STATUS="0x0000" MESSAGE='No error'/> and maybe a payload element.
// Attributes come single- or double-quoted and firmware is known to emit
// malformed XML (python-hpilo keeps a fix-up list), so this reads the few
// elements dploy needs by pattern rather than with a strict XML parser.

import { DployError, type ErrorCode } from '../../errors.js';

export interface RibclDocument {
  status: number;
  message: string;
  text: string;
}

/** The iLO status codes dploy acts on (scripting guide's error list; python-hpilo's IloError classes). */
const BY_STATUS: Record<number, [ErrorCode, string]> = {
  0x005f: ['DPLOY_ERR_BMC_AUTH', 'login refused: wrong user or password'],
  0x0023: ['DPLOY_ERR_BMC_AUTH', 'the user lacks the Virtual Power and Reset privilege'],
  0x003c: ['DPLOY_ERR_BMC_UNSUPPORTED', 'command not supported by this iLO'],
  // iLO answers a command its firmware does not know with a syntax error.
  0x0001: ['DPLOY_ERR_BMC_UNSUPPORTED', 'syntax error (often: a command this iLO firmware does not know)'],
};

export function splitDocuments(reply: string): string[] {
  return reply
    .split(/(?=<\?xml)/)
    .map((d) => d.trim())
    .filter((d) => d.startsWith('<?xml'));
}

export function attribute(element: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(element);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** The first element with this tag, as text up to its end (`/>` or `>`); a `>` inside a quoted value (iLO quotes lines in messages) does not end it. */
export function element(document: string, tag: string): string | undefined {
  return new RegExp(`<${tag}\\b(?:[^>"']|"[^"]*"|'[^']*')*>`).exec(document)?.[0];
}

/**
 * Parses every document and throws on the first non-zero STATUS, with the
 * iLO's own words, less the password: a syntax error quotes the offending
 * line, which may be the LOGIN line (python-hpilo #221).
 */
export function readReply(reply: string, where: string, password: string): RibclDocument[] {
  const masked = (text: string) => (password ? text.split(password).join('********') : text);
  const documents = splitDocuments(reply).map((text) => {
    const response = element(text, 'RESPONSE');
    const status = response ? Number.parseInt(attribute(response, 'STATUS') ?? '', 16) : Number.NaN;
    return { status, message: (response && attribute(response, 'MESSAGE')) ?? '', text };
  });
  if (documents.length === 0)
    throw new DployError('DPLOY_ERR_BMC', `${where}: the answer holds no RIBCL document, maybe not an iLO: ${masked(JSON.stringify(reply.slice(0, 120)))}`);
  for (const d of documents) {
    if (d.status === 0) continue;
    if (Number.isNaN(d.status))
      throw new DployError('DPLOY_ERR_BMC', `${where}: a RIBCL document without a RESPONSE STATUS: ${masked(JSON.stringify(d.text.slice(0, 160)))}`);
    const known = BY_STATUS[d.status] ?? (/^Login (failed|credentials rejected)/i.test(d.message) ? BY_STATUS[0x005f] : undefined);
    const hex = `0x${d.status.toString(16).toUpperCase().padStart(4, '0')}`;
    throw new DployError(known?.[0] ?? 'DPLOY_ERR_BMC', `${where}: ${known?.[1] ?? 'refused'} (iLO ${hex}: ${masked(d.message).slice(0, 160)})`);
  }
  return documents;
}
