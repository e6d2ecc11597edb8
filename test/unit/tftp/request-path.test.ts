import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeRequestPath } from '../../../plugin/tftp/request-path.js';
import { toNetascii } from '../../../plugin/tftp/netascii.js';

test('the spellings boot loaders use for one file all normalise to the same root-relative path', () => {
  for (const spelling of ['pxelinux.cfg/default', '/pxelinux.cfg/default', '//pxelinux.cfg//default', './pxelinux.cfg/./default']) {
    assert.deepEqual(normalizeRequestPath(spelling), { ok: true, path: 'pxelinux.cfg/default' }, spelling);
  }
});

test('an absolute path names a file under the root, never the host file system', () => {
  assert.deepEqual(normalizeRequestPath('/etc/passwd'), { ok: true, path: 'etc/passwd' });
});

test('every spelling of climbing out of the root is refused', () => {
  for (const hostile of [
    '../etc/passwd',
    '/../../etc/passwd',
    'a/../../b',
    'pxelinux.cfg/..',
    '..',
    '..\\..\\windows',
    'a\\b',
    'C:\\boot.ini',
    'a\0b',
    'caf\xe9',
    'a\nb',
    '/',
    '//',
    '.',
    'x'.repeat(1025),
  ]) {
    const result = normalizeRequestPath(hostile);
    assert.equal(result.ok, false, JSON.stringify(hostile));
  }
});

test('URL-encoded dots stay literal characters: there is no decoding layer to trick', () => {
  assert.deepEqual(normalizeRequestPath('..%2f..%2fetc%2fpasswd'), { ok: true, path: '..%2f..%2fetc%2fpasswd' });
  assert.deepEqual(normalizeRequestPath('%2e%2e/etc'), { ok: true, path: '%2e%2e/etc' });
});

test('netascii sends line ends as CR LF and a bare CR as CR NUL (RFC 764)', () => {
  assert.deepEqual(toNetascii(Buffer.from('a\nb\rc\r\n')), Buffer.from('a\r\nb\r\0c\r\0\r\n', 'latin1'));
  assert.equal(toNetascii(Buffer.alloc(0)).length, 0);
});
