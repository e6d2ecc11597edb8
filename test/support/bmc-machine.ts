// A simulated machine with a BMC: it does nothing until its BMC powers it on.
// Powered on with a one-time PXE override it network-boots as the machine
// simulator does (its per-MAC pxelinux config over real TFTP, the answer
// file, the installer's callbacks); powered on without one it boots its disk
// and dploy hears nothing. Wire `powerOn` to the BMC double's onPowerOn.
// With `loadsBootFiles` it also fetches the kernel and initrds its entry
// names over TFTP, as pxelinux does, before the installer's requests.

import type { SimulatedMachine } from './machine-simulator.js';

export class MachineWithBmc {
  /** What happened, in order: "boot pxe", "entry install", "answer fetched", "started", "installed", "boot disk" … */
  readonly history: string[] = [];
  private running: Promise<void> = Promise.resolve();

  constructor(
    readonly machine: SimulatedMachine,
    private readonly serveUrl: string,
    private readonly loadsBootFiles = false,
  ) {}

  powerOn(bootFrom: 'pxe' | 'disk'): void {
    this.history.push(`boot ${bootFrom}`);
    if (bootFrom === 'pxe') this.running = this.running.then(() => this.netboot()).catch((err: unknown) => void this.history.push(`error: ${String(err)}`));
  }

  /** Resolves when the boot under way (if any) has gone as far as it goes. */
  settled(): Promise<void> {
    return this.running;
  }

  private async netboot(): Promise<void> {
    const config = await this.machine.tftpFetch(`pxelinux.cfg/01-${this.machine.mac.replace(/:/g, '-')}`);
    if (config === undefined) return void this.history.push('entry none');
    if (/LOCALBOOT/.test(config)) return void this.history.push('entry localboot');
    const args = this.machine.kernelArgs(config);
    if (!args.url) return void this.history.push('entry without an answer file');
    this.history.push('entry install');
    if (this.loadsBootFiles) {
      const files = [/^\s*KERNEL (\S+)/m.exec(config)?.[1] ?? '', ...(args.initrd ?? '').split(',')];
      for (const file of files) if ((await this.machine.tftpFetchBytes(file)) === undefined) return void this.history.push(`boot file refused: ${file}`);
      this.history.push('boot files loaded');
    }
    const local = (url: string) => url.replace(/^http:\/\/[^/]+/, this.serveUrl);
    const answer = await fetch(local(args.url));
    await answer.text();
    if (answer.status !== 200) return void this.history.push(`answer refused ${answer.status}`);
    this.history.push('answer fetched');
    const token = args.url.split('/').pop()!;
    const events = `${this.serveUrl}/agent/v1/events`;
    for (const event of ['started', 'installed']) {
      await this.machine.installerEvent(events, token, event, `debian-installer ${event}`);
      this.history.push(event);
    }
  }
}
