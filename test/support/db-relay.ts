// A TCP relay in front of a real database server, to cut and restore the
// path between dploy and its database the way a network blink or a database
// restart does, without touching the server other tests share.

import { createServer, connect, type Server, type Socket } from 'node:net';

export interface DatabaseRelay {
  port: number;
  /** Refuses and drops every connection until restore(). */
  cut(): Promise<void>;
  restore(): Promise<void>;
}

export async function relayTo(port: number): Promise<DatabaseRelay> {
  const sockets = new Set<Socket>();
  const open = (listenPort: number) =>
    new Promise<Server>((resolve) => {
      const server = createServer((client) => {
        const upstream = connect(port, '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => sockets.delete(s));
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(listenPort, '127.0.0.1', () => resolve(server));
    });
  let server: Server | undefined = await open(0);
  const address = server.address();
  const relayPort = typeof address === 'object' && address ? address.port : 0;
  return {
    port: relayPort,
    cut: async () => {
      const closing = server;
      server = undefined;
      const closed = new Promise<void>((resolve) => (closing ? closing.close(() => resolve()) : resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
    restore: async () => {
      server ??= await open(relayPort);
    },
  };
}
