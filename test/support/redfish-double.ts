// A Redfish BMC test double (no Redfish emulator is packaged in Debian): an
// HTTPS server on 127.0.0.1 answering in the shape of DMTF's public mockup
// (Redfish-Mockup-Server, public-rackmount1: service root, Systems
// collection, one ComputerSystem 437XR1138R2) with the parts power needs,
// written here by hand, not copied. Power changes after a delay; PATCH can
// require If-Match, and can "silently revert" the override like some BMCs.
// test/integration/power/redfish.test.ts drives it with Debian's real
// python3-sushy to show a real client accepts it. A rack of them (many BMCs,
// one port each, one process) is startRedfishRack.

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { makeSelfSignedCert } from './self-signed-cert.js';

/** One BMC's state, as the tests read it. */
export interface RedfishBmc {
  port: number;
  user: string;
  password: string;
  requests: string[];
  /** Reset actions with their arrival time (ms since the epoch): "On", "PowerCycle" … */
  resets: Array<{ type: string; at: number }>;
  /** Requests that arrived while another request to this BMC was still being answered. */
  overlaps: number;
  /** Connections clients opened to this BMC (a client that keeps its connection open opens few). */
  connections: number;
  power(): 'On' | 'Off';
  boot(): Record<string, string>;
}

export interface RedfishDouble extends RedfishBmc {
  /** The double's self-signed certificate, for clients that verify (sushy's verify=PATH). */
  certPath: string;
  /** That certificate's SHA-256, as dploy pins it. */
  certSha256: string;
  /** Closes every open connection, as a BMC does to idle ones or when its web server restarts. */
  dropConnections(): void;
  /**
   * The next `count` requests of `method` that come on a connection which already carried one are met by
   * closing it, unread and unanswered: a BMC closing an idle connection as the client's request crosses.
   * Nothing of them is applied; they are listed in `dropped`, not in `requests`.
   */
  dropNextReused(method: 'GET' | 'PATCH' | 'POST', count?: number): void;
  dropped: string[];
  stop(): Promise<void>;
}

export interface DoubleOptions {
  powerDelayMs?: number;
  requireIfMatch?: boolean;
  revertOverride?: boolean;
  /** Answer 503 to this many requests first (a BMC busy with itself). */
  busyFirst?: number;
  /** Time the BMC takes to answer each request (real ones take tens of ms): two requests at once then surely overlap. */
  answerDelayMs?: number;
  /** Power at start (Off by default). */
  power?: 'On' | 'Off';
  /**
   * The machine behind the BMC: called when its power comes on, with what it boots from. A one-time
   * PXE override is used up by that boot, as on real BMCs (BootSourceOverrideEnabled back to Disabled).
   */
  onPowerOn?: (bootFrom: 'pxe' | 'disk') => void;
}

const SYSTEM = '/redfish/v1/Systems/437XR1138R2';
const USER = 'Administrator';
const PASSWORD = 'redfish-double-pw';

interface BmcCore extends Omit<RedfishBmc, 'port'> {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  connected(): void;
  dropNextReused: RedfishDouble['dropNextReused'];
  dropped: string[];
}

function redfishBmc(o: DoubleOptions): BmcCore {
  let power: 'On' | 'Off' = o.power ?? 'Off';
  let etag = 1;
  let busy = o.busyFirst ?? 0;
  let inFlight = 0;
  const toDrop: Record<string, number> = {};
  const carried = new WeakMap<object, number>();
  const dropped: string[] = [];
  const boot: Record<string, string> = { BootSourceOverrideEnabled: 'Disabled', BootSourceOverrideTarget: 'None', BootSourceOverrideMode: 'UEFI' };
  const bmc = { user: USER, password: PASSWORD, requests: [] as string[], resets: [] as RedfishBmc['resets'], overlaps: 0, connections: 0 };

  const systemDoc = () => ({
    '@odata.type': '#ComputerSystem.v1_20_0.ComputerSystem',
    '@odata.id': SYSTEM,
    Id: '437XR1138R2',
    Name: 'WebFrontEnd483',
    SystemType: 'Physical',
    Manufacturer: 'Contoso',
    Model: '3500',
    PowerState: power,
    Boot: { ...boot, 'BootSourceOverrideTarget@Redfish.AllowableValues': ['None', 'Pxe', 'Cd', 'Usb', 'Hdd', 'BiosSetup', 'UefiHttp'] },
    Actions: {
      '#ComputerSystem.Reset': {
        target: `${SYSTEM}/Actions/ComputerSystem.Reset`,
        'ResetType@Redfish.AllowableValues': [
          'On',
          'ForceOff',
          'GracefulShutdown',
          'GracefulRestart',
          'ForceRestart',
          'Nmi',
          'ForceOn',
          'PushPowerButton',
          'PowerCycle',
        ],
      },
    },
  });
  const send = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'OData-Version': '4.0', ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, message: string) =>
    send(res, status, { error: { code: 'Base.1.8.GeneralError', message, '@Message.ExtendedInfo': [{ Message: message }] } });
  const later = (to: 'On' | 'Off') =>
    setTimeout(() => {
      power = to;
      etag++;
      if (to === 'On') poweredOn();
    }, o.powerDelayMs ?? 500).unref();
  // Without a machine behind the BMC nothing boots, so nothing uses the override up.
  const poweredOn = () => {
    if (!o.onPowerOn) return;
    const pxe = boot.BootSourceOverrideTarget === 'Pxe' && boot.BootSourceOverrideEnabled !== 'Disabled';
    if (pxe && boot.BootSourceOverrideEnabled === 'Once') Object.assign(boot, { BootSourceOverrideEnabled: 'Disabled', BootSourceOverrideTarget: 'None' });
    o.onPowerOn(pxe ? 'pxe' : 'disk');
  };

  async function answer(req: IncomingMessage, res: ServerResponse, url: string, text: string): Promise<void> {
    if (url === '/redfish/v1' && req.method === 'GET') {
      return send(res, 200, {
        '@odata.type': '#ServiceRoot.v1_15_0.ServiceRoot',
        '@odata.id': '/redfish/v1/',
        Id: 'RootService',
        Name: 'Root Service',
        RedfishVersion: '1.15.0',
        UUID: '92384634-2938-2342-8820-489239905423',
        Systems: { '@odata.id': '/redfish/v1/Systems' },
      });
    }
    const auth = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
    if (auth !== `${USER}:${PASSWORD}`) return error(res, 401, 'Unauthorized');
    if (busy > 0) {
      busy--;
      return error(res, 503, 'Service temporarily unavailable');
    }
    if (url === '/redfish/v1/Systems' && req.method === 'GET') {
      return send(res, 200, {
        '@odata.type': '#ComputerSystemCollection.ComputerSystemCollection',
        '@odata.id': '/redfish/v1/Systems',
        Name: 'Computer System Collection',
        'Members@odata.count': 1,
        Members: [{ '@odata.id': SYSTEM }],
      });
    }
    if (url === SYSTEM && req.method === 'GET') return send(res, 200, systemDoc(), { ETag: `W/"${etag}"` });
    if (url === SYSTEM && req.method === 'PATCH') {
      const match = req.headers['if-match'];
      if (o.requireIfMatch && !match) return error(res, 428, 'If-Match required');
      if (match && match !== `W/"${etag}"`) return error(res, 412, 'ETag does not match');
      const patch = (JSON.parse(text) as { Boot?: Record<string, string> }).Boot ?? {};
      if (!o.revertOverride) Object.assign(boot, patch);
      etag++;
      return send(res, 204);
    }
    if (url === `${SYSTEM}/Actions/ComputerSystem.Reset` && req.method === 'POST') {
      const type = (JSON.parse(text) as { ResetType?: string }).ResetType;
      if (type === 'On' || type === 'ForceOn') later('On');
      else if (type === 'ForceOff' || type === 'GracefulShutdown') later('Off');
      else if (type === 'PowerCycle' || type === 'ForceRestart') {
        if (power === 'Off') return error(res, 400, 'The system is off');
        power = 'Off';
        later('On');
      } else return error(res, 400, `ResetType ${String(type)} not supported`);
      bmc.resets.push({ type: String(type), at: Date.now() });
      return send(res, 204);
    }
    return error(res, 404, `no resource ${url}`);
  }

  return {
    ...bmc,
    get overlaps() {
      return bmc.overlaps;
    },
    get connections() {
      return bmc.connections;
    },
    connected: () => void bmc.connections++,
    dropped,
    dropNextReused(method, count = 1) {
      toDrop[method] = count;
    },
    power: () => power,
    boot: () => ({ ...boot }),
    async handle(req, res) {
      // From the first byte of a request to its answer written: a second request inside is a second command at once.
      // (Not to the response's 'close': on a kept-open connection the client's next request may be read before it.)
      const before = carried.get(req.socket) ?? 0;
      carried.set(req.socket, before + 1);
      if (before > 0 && (toDrop[req.method ?? ''] ?? 0) > 0) {
        toDrop[req.method!]!--;
        dropped.push(`${req.method} ${req.url}`);
        return void req.socket.destroy();
      }
      if (inFlight > 0) bmc.overlaps++;
      inFlight++;
      try {
        const url = (req.url ?? '/').replace(/\/$/, '') || '/';
        let text = '';
        for await (const chunk of req) text += String(chunk);
        bmc.requests.push(`${req.method} ${url}`);
        if (o.answerDelayMs) await new Promise((resolve) => setTimeout(resolve, o.answerDelayMs));
        await answer(req, res, url, text);
      } finally {
        inFlight--;
      }
    },
  };
}

type ListeningBmc = RedfishBmc & Pick<BmcCore, 'dropNextReused' | 'dropped'>;

async function listen(core: BmcCore, tls: { key: Buffer; cert: Buffer }): Promise<{ server: Server; bmc: ListeningBmc }> {
  const server = createServer(
    tls,
    (req, res) =>
      void core.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      }),
  );
  server.on('connection', () => core.connected());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  // The getters stay live: a copy would freeze overlaps at 0.
  return { server, bmc: Object.defineProperty(core, 'port', { value: port, enumerable: true }) as unknown as ListeningBmc };
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

export async function startRedfishDouble(o: DoubleOptions = {}): Promise<RedfishDouble> {
  const certificate = makeSelfSignedCert('dploy-redfish-');
  const { server, bmc } = await listen(redfishBmc(o), { key: certificate.key, cert: certificate.cert });
  return Object.assign(bmc, {
    certPath: certificate.certPath,
    certSha256: certificate.sha256,
    dropConnections: () => server.closeAllConnections(),
    stop: async () => {
      await close(server);
      certificate.remove();
    },
  });
}

export interface RedfishRack {
  bmcs: RedfishBmc[];
  /** The one certificate every BMC of the rack shows. */
  certSha256: string;
  stop(): Promise<void>;
}

/** `count` BMCs in this process, each on its own port with its own machine; options per BMC by index. */
export async function startRedfishRack(count: number, options: (index: number) => DoubleOptions): Promise<RedfishRack> {
  const certificate = makeSelfSignedCert('dploy-redfish-rack-');
  const listening: Array<{ server: Server; bmc: RedfishBmc }> = [];
  for (let i = 0; i < count; i++) listening.push(await listen(redfishBmc(options(i)), { key: certificate.key, cert: certificate.cert }));
  return {
    bmcs: listening.map((l) => l.bmc),
    certSha256: certificate.sha256,
    stop: async () => {
      await Promise.all(listening.map((l) => close(l.server)));
      certificate.remove();
    },
  };
}
