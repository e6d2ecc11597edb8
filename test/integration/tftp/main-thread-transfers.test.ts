// The TFTP suites again with every transfer on the main thread (node:dgram,
// tftp.workers 0): that path serves files too big for the cache in any
// configuration, and whole sites that set workers to 0. The same tests, the
// same assertions; only where the packets are sent from differs.

process.env.TFTP_TEST_WORKERS = '0';

await import('./real-clients.test.js');
await import('./hostile-packets.test.js');
await import('./transfer-control.test.js');
await import('./packet-loss.test.js');
