// The XML dploy writes for HP SIM's mxnode and mxtool follows the DTDs HP
// publishes (test/support/sim/dtd, checked by xmllint), and what dploy reads
// back from `mxnode -lf` / `mxtool -lf` keeps every value as SIM printed it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ATTRIBUTE, readNodeList, writeNodeList, type SimNode } from '../../../plugin/platforms/sim/node-list.js';
import { dployTools, readToolList, writeToolList } from '../../../plugin/platforms/sim/tool-list.js';
import { hostOfNode, nodeOfHost } from '../../../plugin/platforms/sim/node-match.js';
import { isDployError } from '../../../plugin/errors.js';
import { dtdComplaint, NODELIST_DTD, TOOLLIST_DTD } from '../../support/sim/standin.js';

const node = (name: string, hw: Record<string, string> = {}, sw: Record<string, string> = {}, hostName?: string): SimNode => ({
  name,
  ...(hostName ? { hostName } : {}),
  hw: new Map(Object.entries(hw)),
  sw: new Map(Object.entries(sw)),
});

test('a node list dploy writes is valid nodelist.dtd, and values with XML characters come back as written', () => {
  const written = writeNodeList([
    node(
      'web01',
      { [ATTRIBUTE.serial]: 'S/N <1> & "2"', [ATTRIBUTE.macs]: '52:54:00:00:00:01 52:54:00:00:00:02' },
      { [ATTRIBUTE.status]: "installing 'x'" },
      'web01',
    ),
    node('db01'),
  ]);
  assert.equal(dtdComplaint(written, NODELIST_DTD), '');
  const [web, db] = readNodeList(written);
  assert.equal(web!.hw.get(ATTRIBUTE.serial), 'S/N <1> & "2"');
  assert.equal(web!.sw.get(ATTRIBUTE.status), "installing 'x'");
  assert.equal(web!.hostName, 'web01');
  assert.equal(db!.name, 'db01');
});

test('mxnode -lf output is read with single quotes, comments, a DOCTYPE and a node named only by host name', () => {
  const nodes = readNodeList(
    `<?xml version="1.0"?>\n<!DOCTYPE node-list SYSTEM "nodelist.dtd">\n<!-- listed --><node-list>` +
      `<node host-name='srv9.example.org' guid='00ff'><hw-attribute name='DeviceType'>Server</hw-attribute></node></node-list>`,
  );
  assert.deepEqual(
    nodes.map((n) => [n.name, n.guid, n.hw.get('DeviceType')]),
    [['srv9.example.org', '00ff', 'Server']],
  );
});

test('output that is not a node-list, or XML with an internal DTD subset, is refused as a SIM dploy was not written for', () => {
  for (const text of ['<html><body>Login</body></html>', '<!DOCTYPE x [<!ENTITY a "b">]><node-list/>', '<node-list><node name="a">', ''])
    assert.throws(
      () => readNodeList(text),
      (err) => isDployError(err, 'DPLOY_ERR_SIM_UNAVAILABLE'),
      text,
    );
});

test("dploy's six tools are valid toollist.dtd MSA tools whose names follow SIM's naming rule", () => {
  const tools = dployTools('/opt/dploy/bin/dploy --config /etc/dploy/dploy.yaml sim-task', 'cms01');
  const xml = writeToolList(tools);
  assert.equal(dtdComplaint(xml, TOOLLIST_DTD), '');
  // 7.2 Technical Reference Guide p. 474: a letter first, then letters, digits, spaces or - . ( ) _
  for (const t of tools) assert.match(t.name, /^[A-Za-z][A-Za-z0-9 \-.()_]{0,255}$/);
  assert.deepEqual(
    tools.map((t) => t.name),
    ['dploy install', 'dploy restore', 'dploy image', 'dploy localboot', 'dploy discover', 'dploy forget'],
  );
  assert.deepEqual(readToolList(xml), tools);
});

test('a tool file out of the DTD order is refused by the published DTD (the check can fail)', () => {
  const xml = writeToolList(dployTools('dploy sim-task', 'cms01')).replace(/(<description>.*<\/description>)\n(\s*<msa-block>[\s\S]*?<\/msa-block>)/, '$2\n$1');
  assert.match(dtdComplaint(xml, TOOLLIST_DTD), /msa-command-tool.*content does not follow the DTD/);
});

test('a host is matched to its SIM system by identity before its name, and two systems with its UUID are a conflict', () => {
  const host = { id: 7, name: 'web01', uuid: '9a2c6e10-0000-4000-8000-000000000001', macs: ['52:54:00:00:00:01'] };
  const byName = node('web01.example.org');
  const byUuid = node('SRV-ACME-17', { [ATTRIBUTE.uuid]: host.uuid });
  assert.equal(nodeOfHost(host, [byName, byUuid])?.name, 'SRV-ACME-17');
  assert.equal(nodeOfHost(host, [byName])?.name, 'web01.example.org');
  assert.equal(nodeOfHost(host, [node('other')]), undefined);
  assert.throws(
    () => nodeOfHost(host, [byUuid, node('SRV-ACME-18', { [ATTRIBUTE.uuid]: host.uuid })]),
    (err) => isDployError(err, 'DPLOY_ERR_CONFLICT') && /SRV-ACME-17, SRV-ACME-18/.test(err.message),
  );
  assert.equal(hostOfNode(node('x', { [ATTRIBUTE.macs]: '52:54:00:00:00:01' }), [host])?.id, 7);
});
