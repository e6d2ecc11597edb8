// Media identification from the strings vendors write on their ISOs: the
// .disk/info lines of Debian netinst and Ubuntu live-server, productmd
// .treeinfo, and SUSE's media.1/products "<dir> <product> <version>-0" lines.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDiskInfo, parseSuseProduct, parseTreeinfo, releaseCandidates } from '../../../plugin/installers/media/media-detect.js';

test('.disk/info names Debian and Ubuntu releases and their architecture', () => {
  assert.deepEqual(parseDiskInfo('Debian GNU/Linux 12.8.0 "Bookworm" - Official amd64 NETINST with firmware 20241109-11:05'), {
    distro: 'debian',
    version: '12.8.0',
    arch: 'x86_64',
  });
  assert.deepEqual(parseDiskInfo('Ubuntu-Server 24.04.3 LTS "Noble Numbat" - Release amd64 (20250805.1)'), {
    distro: 'ubuntu',
    version: '24.04.3',
    arch: 'x86_64',
  });
  assert.deepEqual(parseDiskInfo('Debian GNU/Linux 12.8.0 "Bookworm" - Official arm64 NETINST with firmware 20241109-11:05'), {
    distro: 'debian',
    version: '12.8.0',
    arch: 'aarch64',
  });
  assert.equal(parseDiskInfo('Knoppix 9.1'), undefined);
});

test('.treeinfo (productmd 1.2) names the RHEL-family release', () => {
  const ini = readFileSync(new URL('../../fixtures/media/rocky-9.4-x86_64.treeinfo', import.meta.url), 'utf8');
  assert.deepEqual(parseTreeinfo(ini), { distro: 'rocky', version: '9.4', arch: 'x86_64' });
  assert.deepEqual(parseTreeinfo('[general]\nfamily = Red Hat Enterprise Linux\nversion = 9.6\narch = aarch64\n'), {
    distro: 'rhel',
    version: '9.6',
    arch: 'aarch64',
  });
  assert.equal(parseTreeinfo('[general]\nfamily = Oracle Linux\nversion = 9\narch = x86_64\n'), undefined);
});

test('SUSE products files name SLES service packs and Leap releases', () => {
  assert.deepEqual(parseSuseProduct('/ SLES 15.6-0\n', 'x86_64'), { distro: 'sles', version: '15-SP6', arch: 'x86_64' });
  assert.deepEqual(parseSuseProduct('/ Leap 15.6-0\n', 'aarch64'), { distro: 'opensuse-leap', version: '15.6', arch: 'aarch64' });
  assert.equal(parseSuseProduct('/ SLES 15.6-0\n', undefined), undefined);
});

test('catalog releases are tried from the exact version down to the major', () => {
  assert.deepEqual(releaseCandidates('12.8.0'), ['12.8.0', '12.8', '12']);
  assert.deepEqual(releaseCandidates('24.04.3'), ['24.04.3', '24.04', '24']);
});
