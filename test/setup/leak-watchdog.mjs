// Loaded into every test file's process (`node --import`, with `--test` each file runs in a process of its
// own, marked by NODE_TEST_CONTEXT). Once a file's tests and hooks are done, its process must end by itself;
// a handle left open (a socket, a timer, a child process) would keep it alive and CI would wait out its clock.
// `--test-force-exit` is not the answer: it ends every file's process as soon as its last test is done,
// before the runner has all its results, and the lost ones are never counted, failed or not
// (nodejs/node#64833). Here a leak fails its file instead, named, once every result has long reached the runner.

import { after } from 'node:test';

/** Longer than any file's own after hooks take (the e2e labs stop their VMs within seconds). */
const GRACE_MS = 60_000;

if (process.env.NODE_TEST_CONTEXT?.startsWith('child')) {
  after(() => {
    setTimeout(() => {
      process.stderr.write(`${process.argv[1]}: still running ${GRACE_MS / 1000} s after its tests ended (a handle left open): failed\n`);
      process.exit(1);
    }, GRACE_MS).unref();
  });
}
