// A VM's serial port (qemu's -chardev socket, qemu-machine.ts serialSocket)
// as a person at the console uses it: wait for the login prompt, log in, run
// a command and read what it printed. The command's output is framed by
// markers the shell prints (not the echoed command line), so the echo and
// the kernel's console messages around it are not taken for output.

import { connect, type Socket } from 'node:net';

export class SerialConsole {
  private text = '';
  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => (this.text += chunk.toString('latin1')));
  }

  /** Connects to the socket qemu listens on, retrying while qemu starts. */
  static async open(path: string, timeoutMs = 30_000): Promise<SerialConsole> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(path, () => resolve(s));
          s.once('error', reject);
        });
        return new SerialConsole(socket);
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`no serial console at ${path}: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** Resolves with the first match of `pattern` in what arrived since `from` (an offset in the text). */
  async waitFor(pattern: RegExp, timeoutMs: number, from = 0): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.text.slice(from));
      if (match) return match;
      if (this.socket.destroyed) throw new Error(`the serial console closed before ${pattern}; last output:\n${this.text.slice(-1500)}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} on the serial console within ${timeoutMs / 1000} s; last output:\n${this.text.slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Waits for getty's prompt, logs in; returns the host name the prompt showed. */
  async login(user: string, password: string, timeoutMs: number): Promise<string> {
    const prompt = await this.waitFor(/(\S+) login: $/m, timeoutMs);
    const at = this.text.length;
    this.socket.write(`${user}\n`);
    await this.waitFor(/Password: ?$/m, 30_000, at);
    this.socket.write(`${password}\n`);
    await this.waitFor(/# $/m, 60_000, at);
    return prompt[1]!;
  }

  /** Runs `command` in the logged-in shell and returns its output (stdout and stderr). */
  async run(command: string, timeoutMs = 60_000): Promise<string> {
    const at = this.text.length;
    const mark = `M${Date.now().toString(36)}`;
    // The markers are printed by printf from pieces, so the echoed command line never holds them whole.
    this.socket.write(`printf '%s\\n' '${mark}''-begin'; ${command} 2>&1; printf '%s\\n' '${mark}''-end'\n`);
    const out = await this.waitFor(new RegExp(`${mark}-begin\\r?\\n([\\s\\S]*?)${mark}-end`), timeoutMs, at);
    return out[1]!.replace(/\r/g, '');
  }

  close(): void {
    this.socket.destroy();
  }
}
