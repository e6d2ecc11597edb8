// An OCS agent's inventory document (the XML the communication server takes
// at /ocsinventory, QUERY INVENTORY) carrying exactly the hardware dploy
// writes for a machine: built from dploy's own OCS rows (machineRows), so
// the two ways into OCS compare like for like. Section and tag names are
// Apache::Ocsinventory::Map's.

import { DPLOY_CHECKSUM, type OcsMachineRows } from '../../../plugin/platforms/ocs/machine-rows.js';

const escape = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function element(tag: string, row: Record<string, string | number | null>): string {
  const fields = Object.entries(row)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `<${k}>${escape(String(v))}</${k}>`)
    .join('');
  return `<${tag}>${fields}</${tag}>`;
}

export function ocsInventoryXml(deviceId: string, rows: OcsMachineRows): string {
  // An agent always sends CHECKSUM, the mask of the sections it carries (OCS's SQL needs it).
  const { USERAGENT: _agent, ...rest } = rows.hardware;
  const hardware = { ...rest, CHECKSUM: DPLOY_CHECKSUM };
  return (
    `<?xml version="1.0" encoding="UTF-8" ?>\n<REQUEST><CONTENT>${element('HARDWARE', hardware)}${element('BIOS', rows.bios)}` +
    `${rows.cpus.map((r) => element('CPUS', r)).join('')}${rows.memories.map((r) => element('MEMORIES', r)).join('')}` +
    `${rows.storages.map((r) => element('STORAGES', r)).join('')}${rows.networks.map((r) => element('NETWORKS', r)).join('')}` +
    `<ACCOUNTINFO><KEYNAME>TAG</KEYNAME><KEYVALUE>NA</KEYVALUE></ACCOUNTINFO></CONTENT><DEVICEID>${escape(deviceId)}</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>\n`
  );
}
