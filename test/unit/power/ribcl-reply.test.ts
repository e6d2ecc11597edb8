import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readReply } from '../../../plugin/power/ribcl/ribcl-reply.js';

// In the shape iLO 4 answers (single-quoted MESSAGE, one document per command and one for the request).
const doc = (status: string, message: string, payload = '') =>
  `<?xml version="1.0"?>\r\n<RIBCL VERSION="2.23">\r\n<RESPONSE\r\n    STATUS="${status}"\r\n    MESSAGE='${message}'\r\n     />\r\n${payload}</RIBCL>\r\n`;

test('every document of an answer is read; "already ON" with STATUS 0 is success', () => {
  const docs = readReply(doc('0x0000', 'No error') + doc('0x0000', 'Host power is already ON.'), 'iLO x', 'pw');
  assert.equal(docs.length, 2);
});

test('a non-zero STATUS in any document is the error, sorted by code; the password never shows, even when the iLO quotes it', () => {
  assert.throws(() => readReply(doc('0x0000', 'No error') + doc('0x005F', 'Login failed.'), 'iLO x', 'pw'), { code: 'DPLOY_ERR_BMC_AUTH' });
  assert.throws(() => readReply(doc('0x0023', 'User does not have correct privilege for action. RESET_SERVER_PRIV required.'), 'iLO x', 'pw'), {
    code: 'DPLOY_ERR_BMC_AUTH',
  });
  assert.throws(() => readReply(doc('0x003C', 'Feature not supported.'), 'iLO x', 'pw'), { code: 'DPLOY_ERR_BMC_UNSUPPORTED' });
  assert.throws(
    () =>
      readReply(
        doc('0x0001', 'Syntax error: Line #1: syntax error near "Pa" in the line: "<LOGIN USER_LOGIN="a" PASSWORD="s3cr3t-Pa">".'),
        'iLO x',
        's3cr3t-Pa',
      ),
    (err: Error & { code?: string }) =>
      err.code === 'DPLOY_ERR_BMC_UNSUPPORTED' && !err.message.includes('s3cr3t') && err.message.includes('PASSWORD="********"'),
  );
  assert.throws(() => readReply('<html>not an iLO</html>', 'iLO x', 'pw'), /holds no RIBCL document, maybe not an iLO/);
});
