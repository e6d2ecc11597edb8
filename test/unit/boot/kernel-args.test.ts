import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BootLoader } from '../../../plugin/boot/boot-request.js';
import { displayName, formatKernelArgs, MAX_COMMAND_LINE } from '../../../plugin/boot/kernel-args.js';
import { renderBootConfig } from '../../../plugin/boot/render.js';
import { BOOT_MAC, POLICY, requestFor, STATES, twoNicHost, variables } from './two-nic-host.js';

const LOADERS: BootLoader[] = ['pxelinux', 'grub', 'elilo', 'ipxe'];
const refused = { code: 'DPLOY_ERR_BOOT_CONFIG' };

describe('kernel arguments from untrusted places', () => {
  for (const loader of LOADERS) {
    for (const word of ['hostname=web01\nDEFAULT evil', 'hostname=web01\r', 'a=\u0000', 'hostname="x"', "hostname='x'", 'a=b\\c', 'a=é', '']) {
      it(`${loader} refuses ${JSON.stringify(word)}`, () => {
        assert.throws(() => formatKernelArgs(['quiet', word], loader, 'host "web01"'), refused);
      });
    }
  }

  it('GRUB gets every word single-quoted, so ; $ | { stay literal', () => {
    assert.equal(formatKernelArgs(['a=1;reboot', 'b=${x}', 'c=|&{}'], 'grub', 'h'), "'a=1;reboot' 'b=${x}' 'c=|&{}'");
  });

  it('pxelinux and elilo write a value with spaces in kernel quotes', () => {
    assert.equal(formatKernelArgs(['quiet', 'x=a b'], 'pxelinux', 'h'), 'quiet x="a b"');
    assert.equal(formatKernelArgs(['x=a b'], 'elilo', 'h'), 'x="a b"');
    assert.throws(() => formatKernelArgs(['a b'], 'pxelinux', 'h'), refused);
  });

  it('GRUB takes a value with spaces as one quoted word', () => {
    assert.equal(formatKernelArgs(['x=a b'], 'grub', 'h'), "'x=a b'");
  });

  it('iPXE refuses settings expansion, spaces and operators', () => {
    for (const word of ['x=${net0/ip}', 'x=a b', '||', '&&']) {
      assert.throws(() => formatKernelArgs([word], 'ipxe', 'h'), refused, word);
    }
    assert.equal(formatKernelArgs(['url=http://x/a?b=1&c=2'], 'ipxe', 'h'), 'url=http://x/a?b=1&c=2');
  });

  it('refuses a command line longer than the kernel takes', () => {
    const long = [`x=${'a'.repeat(MAX_COMMAND_LINE - 2)}`];
    assert.equal(formatKernelArgs(long, 'pxelinux', 'h').length, MAX_COMMAND_LINE);
    assert.throws(() => formatKernelArgs([...long, 'y'], 'pxelinux', 'h'), refused);
  });

  it('shows only letters, digits, dot, dash and underscore of a name in menus', () => {
    assert.equal(displayName("web01'; reboot\n"), 'web01___reboot_');
    assert.equal(displayName(''), '_');
  });

  it('names the host and the bad word when a host name cannot be written', async () => {
    const host = twoNicHost(STATES.install, { name: 'web01\nDEFAULT evil' });
    await assert.rejects(renderBootConfig(requestFor('pxelinux', BOOT_MAC), host, POLICY, variables()), (err: Error) => {
      assert.match(err.message, /kernel argument "hostname=web01\\nDEFAULT evil" for host "web01\\nDEFAULT evil"/);
      return true;
    });
  });

  it('refuses a BOOTIF from the caller, since the renderer adds it', async () => {
    const vars = variables({ args: ['BOOTIF=01-52-54-00-12-34-56'] });
    await assert.rejects(renderBootConfig(requestFor('grub', BOOT_MAC), twoNicHost(STATES.discover), POLICY, vars), refused);
  });

  it('refuses a URL kernel for GRUB and elilo, which fetch over TFTP', async () => {
    const vars = variables({ kernel: 'http://192.0.2.10/vmlinuz' });
    for (const loader of ['grub', 'elilo'] as const) {
      await assert.rejects(renderBootConfig(requestFor(loader, BOOT_MAC), twoNicHost(STATES.discover), POLICY, vars), refused);
    }
  });
});
