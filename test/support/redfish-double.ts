// A Redfish BMC test double (no Redfish emulator is packaged in Debian): an
// HTTPS server on 127.0.0.1 answering in the shape of DMTF's public mockup
// (Redfish-Mockup-Server, public-rackmount1: service root, Systems
// collection, one ComputerSystem 437XR1138R2) with the parts power needs,
// written here by hand, not copied. Power changes after a delay; PATCH can
// require If-Match, and can "silently revert" the override like some BMCs.
// test/integration/power/redfish.test.ts drives it with Debian's real
// python3-sushy to show a real client accepts it.

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { makeSelfSignedCert } from './self-signed-cert.js';

export interface RedfishDouble {
  port: number;
  /** The double's self-signed certificate, for clients that verify (sushy's verify=PATH). */
  certPath: string;
  /** That certificate's SHA-256, as dploy pins it. */
  certSha256: string;
  user: string;
  password: string;
  requests: string[];
  power(): 'On' | 'Off';
  boot(): Record<string, string>;
  stop(): Promise<void>;
}

export interface DoubleOptions {
  powerDelayMs?: number;
  requireIfMatch?: boolean;
  revertOverride?: boolean;
  /** Answer 503 to this many requests first (a BMC busy with itself). */
  busyFirst?: number;
}

const SYSTEM = '/redfish/v1/Systems/437XR1138R2';

export async function startRedfishDouble(o: DoubleOptions = {}): Promise<RedfishDouble> {
  const certificate = makeSelfSignedCert('dploy-redfish-');
  const tls = { key: certificate.key, cert: certificate.cert };
  const user = 'Administrator';
  const password = 'redfish-double-pw';
  let power: 'On' | 'Off' = 'Off';
  let etag = 1;
  let busy = o.busyFirst ?? 0;
  const boot: Record<string, string> = { BootSourceOverrideEnabled: 'Disabled', BootSourceOverrideTarget: 'None', BootSourceOverrideMode: 'UEFI' };
  const requests: string[] = [];

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
    }, o.powerDelayMs ?? 500).unref();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = (req.url ?? '/').replace(/\/$/, '') || '/';
    let text = '';
    for await (const chunk of req) text += String(chunk);
    requests.push(`${req.method} ${url}`);
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
    if (auth !== `${user}:${password}`) return error(res, 401, 'Unauthorized');
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
      return send(res, 204);
    }
    return error(res, 404, `no resource ${url}`);
  }

  const server: Server = createServer(tls, (req, res) => void handle(req, res).catch(() => error(res, 500, 'double failed')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    certPath: certificate.certPath,
    certSha256: certificate.sha256,
    user,
    password,
    requests,
    power: () => power,
    boot: () => ({ ...boot }),
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          certificate.remove();
          resolve();
        });
      }),
  };
}
