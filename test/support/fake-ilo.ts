// A FAKE HP iLO (no iLO can run here), built from HP's published RIBCL
// protocol (iLO scripting and command line guide) and what python-hpilo, a
// real client, expects of it: TLS on 127.0.0.1 with a self-signed openssl
// certificate, one RIBCL document per connection, the LOGIN checked the way
// iLO checks it (attribute text taken verbatim, no XML entity decoding), and
// the answer as several <?xml?> documents one after another, one with
// <RESPONSE STATUS="0x0000" MESSAGE='No error'/> per command plus one for
// the request. It keeps the machine's power state, which changes after a
// delay as a real server's does.
//
// Two generations: 'ilo4' takes HTTP/1.1 POST /ribcl and answers chunked
// (iLO 3 and 4); 'ilo2' takes the XML written straight on the TLS socket and
// answers an HTTP request with 404, as iLO 2 does. tls10Only makes it speak
// TLS 1.0 and nothing newer, like old iLO 2 firmware.
// test/integration/power/ribcl.test.ts drives it with Debian's real
// hpilo_cli first, to show a real client accepts it.

import { createServer, type Server, type TLSSocket } from 'node:tls';
import { makeSelfSignedCert } from './self-signed-cert.js';

export interface FakeIloOptions {
  generation: 'ilo2' | 'ilo4';
  tls10Only?: boolean;
  password?: string;
  initialPower?: 'ON' | 'OFF';
  powerDelayMs?: number;
}

export interface FakeIlo {
  port: number;
  certSha256: string;
  user: string;
  password: string;
  /** Every command the iLO carried out, in order, e.g. "SET_HOST_POWER Yes". */
  commands: string[];
  /** When each of those was carried out (Date.now()), in the same order. */
  commandTimes: number[];
  /** Logins tried, and how each request arrived. */
  logins: Array<{ ok: boolean; via: 'http' | 'raw' }>;
  /** TLS connections accepted (a refused handshake never counts). */
  connections: number;
  power(): 'ON' | 'OFF';
  oneTimeBoot(): string;
  stop(): Promise<void>;
}

const VERSION = '2.23';

function document(status: number, message: string, payload = ''): string {
  const hex = `0x${status.toString(16).toUpperCase().padStart(4, '0')}`;
  return `<?xml version="1.0"?>\r\n<RIBCL VERSION="${VERSION}">\r\n<RESPONSE\r\n    STATUS="${hex}"\r\n    MESSAGE='${message}'\r\n     />\r\n${payload}</RIBCL>\r\n`;
}

/** iLO's reading of an attribute: the text between the quotes, as is. */
function rawAttribute(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`).exec(tag);
  return m?.[1];
}

export async function startFakeIlo(o: FakeIloOptions): Promise<FakeIlo> {
  const certificate = makeSelfSignedCert('dploy-fake-ilo-');
  const user = 'Administrator';
  const password = o.password ?? 'ilo-fake-pw';
  let power: 'ON' | 'OFF' = o.initialPower ?? 'OFF';
  let oneTimeBoot = 'NORMAL';
  const commands: string[] = [];
  const commandTimes: number[] = [];
  const did = (command: string) => {
    commands.push(command);
    commandTimes.push(Date.now());
  };
  const logins: FakeIlo['logins'] = [];
  const delay = o.powerDelayMs ?? 300;
  let connections = 0;
  const later = (to: 'ON' | 'OFF') =>
    setTimeout(() => {
      power = to;
    }, delay).unref();

  function run(tag: string, name: string): string {
    switch (name) {
      case 'GET_HOST_POWER_STATUS':
        return document(0, 'No error', `<GET_HOST_POWER\r\n    HOST_POWER="${power}"\r\n    />\r\n`);
      case 'SET_HOST_POWER': {
        const want = rawAttribute(tag, 'HOST_POWER') ?? '';
        const on = /^(Y|Yes)$/i.test(want);
        did(`SET_HOST_POWER ${want}`);
        if ((on ? 'ON' : 'OFF') === power) return document(0, `Host power is already ${power}.`);
        later(on ? 'ON' : 'OFF');
        return document(0, 'No error');
      }
      case 'HOLD_PWR_BTN':
        did('HOLD_PWR_BTN');
        if (power === 'ON') later('OFF');
        return document(0, 'No error');
      case 'PRESS_PWR_BTN':
        did('PRESS_PWR_BTN');
        later(power === 'ON' ? 'OFF' : 'ON');
        return document(0, 'No error');
      case 'RESET_SERVER':
      case 'COLD_BOOT_SERVER':
        did(name);
        // The guide: both act "if the server is currently on"; the cold boot removes power first.
        if (name === 'COLD_BOOT_SERVER' && power === 'ON') {
          power = 'OFF';
          later('ON');
        }
        return document(0, 'No error');
      case 'SET_ONE_TIME_BOOT':
        oneTimeBoot = (rawAttribute(tag, 'VALUE') ?? '').toUpperCase();
        did(`SET_ONE_TIME_BOOT ${oneTimeBoot}`);
        return document(0, 'No error');
      case 'GET_ONE_TIME_BOOT':
        return document(0, 'No error', `<ONE_TIME_BOOT>\r\n<BOOT_TYPE VALUE="${oneTimeBoot}"/>\r\n</ONE_TIME_BOOT>\r\n`);
      default:
        return document(0x0001, `Syntax error: Line #0: syntax error near "${name}" in the line: "${name}".`);
    }
  }

  /** One RIBCL request in, the iLO's concatenated answer documents out. */
  function answer(xml: string, via: 'http' | 'raw'): string {
    const login = /<LOGIN\b[^>]*>/.exec(xml)?.[0];
    if (!/<RIBCL\s+VERSION\s*=/.test(xml) || !login) return document(0x0001, 'Syntax error: Line #1: syntax error near "</RIBCL>" in the line: "</RIBCL>".');
    const ok = rawAttribute(login, 'USER_LOGIN') === user && rawAttribute(login, 'PASSWORD') === password;
    logins.push({ ok, via });
    if (!ok) return document(0x005f, 'Login failed.');
    let reply = document(0, 'No error');
    const body = xml.slice(xml.indexOf(login) + login.length);
    for (const m of body.matchAll(/<([A-Z_]+)\b[^>]*?\/>/g)) reply += run(m[0], m[1]!);
    return reply;
  }

  function serve(socket: TLSSocket): void {
    connections++;
    let data = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (data.startsWith('<?xml')) {
        if (!/<\/RIBCL>\s*$/.test(data)) return;
        if (o.generation !== 'ilo2') return void socket.end();
        socket.end(answer(data, 'raw'));
        return;
      }
      const headEnd = data.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = data.slice(0, headEnd);
      const length = Number(/^content-length:\s*(\d+)/im.exec(head)?.[1] ?? 0);
      if (Buffer.byteLength(data.slice(headEnd + 4)) < length) return;
      if (o.generation === 'ilo2' || !/^POST \/ribcl HTTP\/1\.1\r\n/.test(head)) {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      const reply = answer(data.slice(headEnd + 4), 'http');
      // One chunk per answer document, as iLO 4 sends them.
      const chunks = reply
        .split(/(?=<\?xml)/)
        .map((d) => `${Buffer.byteLength(d).toString(16)}\r\n${d}\r\n`)
        .join('');
      socket.end(`HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunks}0\r\n\r\n`);
    });
  }

  const tlsVersions = o.tls10Only ? { minVersion: 'TLSv1' as const, maxVersion: 'TLSv1' as const, ciphers: 'DEFAULT:@SECLEVEL=0' } : {};
  const server: Server = createServer({ key: certificate.key, cert: certificate.cert, ...tlsVersions }, serve);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    certSha256: certificate.sha256,
    user,
    password,
    commands,
    commandTimes,
    logins,
    get connections() {
      return connections;
    },
    power: () => power,
    oneTimeBoot: () => oneTimeBoot,
    stop: () =>
      new Promise((resolve) =>
        server.close(() => {
          certificate.remove();
          resolve();
        }),
      ),
  };
}
