// What the CLI prints of a string a machine chose: terminal escapes, C1
// controls, bidi and zero-width characters as visible \uXXXX escapes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderFields, renderTable } from '../../../plugin/cli/table.js';
import { visibleJson, visibleText } from '../../../plugin/cli/terminal-text.js';

test('a table cell or field cannot carry an escape sequence, a C1 control, a bidi override or a line break to the terminal', () => {
  const evil = 'a\x1b[2Jb\u009b31m\u202ec\u2067d\u200be\nf\tg\u2028h';
  const table = renderTable(['NAME', 'SERIAL'], [[evil, 'x']]);
  assert.equal(table.split('\n')[1], 'a\\u001b[2Jb\\u009b31m\\u202ec\\u2067d\\u200be\\u000af\\u0009g\\u2028h  x');
  assert.equal(renderFields([['Model', evil]]), 'Model: a\\u001b[2Jb\\u009b31m\\u202ec\\u2067d\\u200be\\u000af\\u0009g\\u2028h\n');
});

test('whole output keeps its lines and tabs; JSON keeps its value for a reader', () => {
  assert.equal(visibleText('line one\n\tline \u202etwo\x07\n'), 'line one\n\tline \\u202etwo\\u0007\n');
  const value = { serial: 'SN\u200b1\u202e\ufeff' };
  const json = visibleJson(JSON.stringify(value));
  assert.doesNotMatch(json, /[\u200b\u202e\ufeff]/);
  assert.deepEqual(JSON.parse(json), value);
  assert.equal(visibleText('plain ascii, é, 日本'), 'plain ascii, é, 日本', 'ordinary text is left alone');
});
