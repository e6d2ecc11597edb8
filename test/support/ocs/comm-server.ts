// Plays an OCS agent against the real communication server (ocsinventory-server
// 2.8.1, /ocsinventory): zlib-compressed XML, PROLOG then INVENTORY, the way
// ocsinventory-agent 2.10 talks (Ocsinventory/Agent/Network.pm). The inventory
// itself comes from the REAL agent run once on this machine with --local, then
// re-labelled so one test machine can stand for many ("the agent of machine X").

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { ocsStack } from '../ocs-stack.js';
import { ocsHttp } from './http.js';
import type { Post } from '../bench-poster.js';

export const AGENT_USER_AGENT = 'OCS-NG_unified_unix_agent_v2.10.0';

export interface CommReply {
  status: number;
  /** The decompressed XML reply (`<REPLY>…</REPLY>`), '' when the server sent none. */
  xml: string;
}

/** A request body as the agent sends it: the XML zlib-compressed. */
export function compressRequest(xml: string): Buffer {
  return deflateSync(Buffer.from(xml, 'utf8'));
}

/**
 * One POST to /ocsinventory, as the agent sends it (Content-Type
 * application/x-compress): `xml`, or a body compressRequest made (a
 * benchmark prepares them before timing).
 */
export async function postCompressed(xml: string | Buffer, post?: Post): Promise<CommReply> {
  const headers = { 'Content-Type': 'application/x-compress', 'User-Agent': AGENT_USER_AGENT };
  const body = typeof xml === 'string' ? compressRequest(xml) : xml;
  const url = ocsStack().communicationUrl;
  // A benchmark passes its keep-alive poster (bench-poster.ts); tests open a connection per post, as the agent does.
  const response = post ? await post(url, body, headers) : await ocsHttp(url, { method: 'POST', headers, body });
  return { status: response.status, xml: decompressed(response.body) };
}

/** Replies are zlib-compressed; errors come back as Apache's plain HTML page. */
function decompressed(body: Buffer): string {
  if (!body.length) return '';
  try {
    return inflateSync(body).toString('utf8');
  } catch {
    return body.toString('utf8');
  }
}

/**
 * PROLOG then INVENTORY for the DEVICEID in `xml`; returns the INVENTORY reply.
 * Throws when the server does not ask for the inventory (PROLOG reply not SEND)
 * or refuses it, with the server's own words.
 */
export async function postToCommServer(xml: string): Promise<string> {
  const deviceId = tagText(xml, 'DEVICEID');
  if (!deviceId) throw new Error('inventory XML has no <DEVICEID>');
  const prolog = await postCompressed(
    `<?xml version="1.0" encoding="UTF-8"?>\n<REQUEST>\n  <DEVICEID>${deviceId}</DEVICEID>\n  <QUERY>PROLOG</QUERY>\n</REQUEST>\n`,
  );
  if (prolog.status !== 200 || !prolog.xml.includes('<RESPONSE>SEND</RESPONSE>')) {
    throw new Error(`PROLOG for ${deviceId}: HTTP ${prolog.status} ${prolog.xml}`);
  }
  const inventory = await postCompressed(xml);
  // An accepted inventory gets HTTP 200 and <RESPONSE>NO_ACCOUNT_UPDATE</RESPONSE>;
  // a refused one HTTP 500 with Apache's HTML page (the cause is in its error.log).
  if (inventory.status !== 200) throw new Error(`INVENTORY for ${deviceId}: HTTP ${inventory.status} ${inventory.xml}`);
  return inventory.xml;
}

export interface AgentMachine {
  /** HARDWARE/NAME; DEVICEID is `<name>-<deviceIdDate>` like the agent's own. */
  name: string;
  /** BIOS/SSN, the system serial. */
  serial: string;
  /** The MAC of the machine's NIC (the one with an IP address in the real output). */
  mac: string;
  /** HARDWARE/UUID (SMBIOS UUID); by default one derived from the name, never this test machine's own. */
  uuid?: string;
  /** The timestamp part of DEVICEID; a new one plays a reinstalled agent (OCS duplicate). */
  deviceIdDate?: string;
}

let realAgentXml: string | undefined;

/** Runs the real ocsinventory-agent once per test process (about 2 s) and keeps its XML. */
export function realAgentInventory(): string {
  if (realAgentXml) return realAgentXml;
  const dir = mkdtempSync(join(tmpdir(), 'dploy-ocs-agent-'));
  try {
    execFileSync('ocsinventory-agent', [`--local=${dir}`], { stdio: 'pipe', timeout: 120_000 });
    const file = readdirSync(dir).find((f) => f.endsWith('.ocs'));
    if (!file) throw new Error(`ocsinventory-agent --local=${dir} wrote no .ocs file`);
    realAgentXml = readFileSync(join(dir, file), 'utf8');
    return realAgentXml;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The real agent's inventory, re-labelled as machine `m`: NAME, DEVICEID, BIOS
 * SSN, HARDWARE UUID and the MAC of its NIC replaced (other BIOS fields, e.g.
 * the motherboard serial or asset tag on a host with DMI, stay this host's). The other NICs of this
 * test machine (virtual ifb*, docker0 …) get MACs derived from `m.name`, so two
 * test machines never share a MAC the way two real machines would not.
 */
export function agentInventory(m: AgentMachine): string {
  let xml = realAgentInventory();
  const deviceId = `${m.name}-${m.deviceIdDate ?? '2020-01-01-00-00-00'}`;
  xml = replaceTag(xml, 'DEVICEID', deviceId);
  xml = replaceInSection(xml, 'HARDWARE', 'NAME', m.name);
  xml = replaceInSection(xml, 'HARDWARE', 'UUID', m.uuid ?? derivedUuid(m.name));
  xml = replaceInSection(xml, 'BIOS', 'SSN', m.serial);
  return relabelMacs(xml, m);
}

/**
 * The smallest inventory OCS takes for a machine, from the same data. Measured
 * on 2.8.1: DEVICEID plus a HARDWARE section with CHECKSUM is the minimum
 * (without CHECKSUM, Inventory/Update/Hardware.pm builds `CHECKSUM=(CHECKSUM|)`
 * and the server answers HTTP 500; without NAME the computer is nameless).
 * BIOS and NETWORKS are kept because they carry the identity (serial, MAC) that
 * duplicate detection and dploy match on.
 */
export function hardwareOnlyInventory(m: AgentMachine): string {
  const full = agentInventory(m);
  const keep = ['HARDWARE', 'BIOS', 'NETWORKS'].flatMap((tag) => sections(full, tag));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<REQUEST>',
    '  <CONTENT>',
    ...keep.map((s) => `    ${s}`),
    '  </CONTENT>',
    `  <DEVICEID>${tagText(full, 'DEVICEID')}</DEVICEID>`,
    '  <QUERY>INVENTORY</QUERY>',
    '</REQUEST>',
    '',
  ].join('\n');
}

function relabelMacs(xml: string, m: AgentMachine): string {
  const networks = sections(xml, 'NETWORKS');
  const primary = networks.find((n) => tagText(n, 'IPADDRESS')) ?? networks[0];
  const primaryMac = primary ? tagText(primary, 'MACADDR') : undefined;
  if (!primaryMac) {
    // No NIC in this machine's output: give the inventory the one NIC it describes.
    const nic = `<NETWORKS>\n      <DESCRIPTION>eth0</DESCRIPTION>\n      <MACADDR>${m.mac}</MACADDR>\n      <STATUS>Up</STATUS>\n      <TYPE>ethernet</TYPE>\n    </NETWORKS>\n  </CONTENT>`;
    return xml.replace('</CONTENT>', nic);
  }
  return xml.replace(/<MACADDR>([^<]*)<\/MACADDR>/g, (_all, old: string) => {
    if (old.toLowerCase() === primaryMac.toLowerCase()) return `<MACADDR>${m.mac}</MACADDR>`;
    return `<MACADDR>${derivedMac(m.name, old)}</MACADDR>`;
  });
}

/** A stable version-4-shaped UUID for a test machine, so two of them never share this host's. */
export function derivedUuid(name: string): string {
  const h = createHash('sha1').update(`uuid/${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A locally administered unicast MAC (02:…) fixed by the machine's name and the original MAC. */
function derivedMac(name: string, original: string): string {
  const hash = createHash('sha1').update(`${name}/${original}`).digest();
  return ['02', ...[...hash.subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

function sections(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>[\\s\\S]*?</${tag}>`, 'g'))].map((m) => m[0]);
}

export function tagText(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
}

function replaceTag(xml: string, tag: string, value: string): string {
  return xml.replace(new RegExp(`<${tag}>[^<]*</${tag}>`, 'g'), `<${tag}>${escapeXml(value)}</${tag}>`);
}

/** Sets <field> inside the first <section>, adding it when absent (no BIOS data without dmidecode/DMI). */
function replaceInSection(xml: string, section: string, field: string, value: string): string {
  const match = new RegExp(`<${section}>([\\s\\S]*?)</${section}>`).exec(xml);
  const element = `<${field}>${escapeXml(value)}</${field}>`;
  if (!match) return xml.replace('<CONTENT>', `<CONTENT>\n    <${section}>\n      ${element}\n    </${section}>`);
  const body = match[1] ?? '';
  const fieldPattern = new RegExp(`<${field}>[^<]*</${field}>|<${field}\\s*/>`);
  const newBody = fieldPattern.test(body) ? body.replace(fieldPattern, element) : `\n      ${element}${body}`;
  return xml.slice(0, match.index) + `<${section}>${newBody}</${section}>` + xml.slice(match.index + match[0].length);
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
