import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CLIENT_ARCHITECTURES, clientArchitecture } from '../../../plugin/boot/client-arch.js';

describe('DHCP option 93 client architecture map', () => {
  const cases: Array<[number, string, string, string, string]> = [
    [0, 'bios', 'x86_64', 'pxelinux', 'pxelinux.0'],
    [2, 'uefi', 'ia64', 'elilo', 'elilo.efi'],
    [6, 'uefi', 'i386', 'grub', 'grubia32.efi'],
    [7, 'uefi', 'x86_64', 'grub', 'shimx64.efi'],
    [9, 'uefi', 'x86_64', 'grub', 'shimx64.efi'],
    [10, 'uefi', 'armhf', 'grub', 'grubarm.efi'],
    [11, 'uefi', 'aarch64', 'grub', 'shimaa64.efi'],
    [16, 'uefi', 'x86_64', 'grub', 'shimx64.efi'],
    [19, 'uefi', 'aarch64', 'grub', 'shimaa64.efi'],
  ];
  for (const [code, firmware, arch, loader, bootFile] of cases) {
    it(`maps code ${code} to ${firmware} ${arch}, ${loader} from ${bootFile}`, () => {
      const entry = clientArchitecture(code);
      assert.ok(entry);
      assert.deepEqual([entry.firmware, entry.arch, entry.loader, entry.bootFile], [firmware, arch, loader, bootFile]);
    });
  }

  it('marks only the UEFI HTTP Boot codes as HTTP', () => {
    assert.deepEqual(
      CLIENT_ARCHITECTURES.filter((entry) => entry.http).map((entry) => entry.code),
      [15, 16, 18, 19],
    );
  });

  it('names the GRUB a Secure Boot shim chains to', () => {
    assert.equal(clientArchitecture(7)?.secondStage, 'grubx64.efi');
    assert.equal(clientArchitecture(11)?.secondStage, 'grubaa64.efi');
    assert.equal(clientArchitecture(0)?.ipxeFile, 'undionly.kpxe');
  });

  it('has no loader for PowerPC, s390, RISC-V or unassigned codes', () => {
    for (const code of [12, 13, 14, 25, 27, 31, 32, 65535]) assert.equal(clientArchitecture(code), undefined, String(code));
  });

  it('is the table docs/pxe.md shows under "Architecture matrix"', () => {
    const doc = readFileSync(new URL('../../../docs/pxe.md', import.meta.url), 'utf8');
    const section = doc.split('## Architecture matrix')[1]?.split(/^## /m)[0] ?? '';
    const documented = section.split('\n').filter((line) => /^\| \d/.test(line));
    const expected = CLIENT_ARCHITECTURES.map(
      (e) =>
        `| ${e.code} (0x${e.code.toString(16).padStart(2, '0')}) | ${e.name} | ${e.firmware}${e.http ? ' HTTP' : ''} | ${e.arch} | ${e.loader} | ${e.bootFile}${e.secondStage ? ` → ${e.secondStage}` : ''} | ${e.ipxeFile ?? '—'} |`,
    );
    assert.deepEqual(documented, expected);
  });
});
