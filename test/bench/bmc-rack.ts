// The BMC side of bmc-storm.bench.ts, in a process of its own so that the CPU
// the bench reports is dploy's alone: a rack of Redfish doubles
// (test/support/redfish-double.ts), every machine on, each with the power
// transition delay the parent chose and 20 ms to answer any request. It answers "report" with what the BMCs
// recorded and "stop" by closing.

import { startRedfishRack } from '../support/redfish-double.js';

const delays = JSON.parse(process.env.BMC_RACK_DELAYS_MS ?? '[]') as number[];
const rack = await startRedfishRack(delays.length, (i) => ({ power: 'On', powerDelayMs: delays[i]!, answerDelayMs: 20 }));
process.send!({ ports: rack.bmcs.map((b) => b.port), certSha256: rack.certSha256, user: rack.bmcs[0]!.user, password: rack.bmcs[0]!.password });
process.on('message', (m: string) => {
  if (m === 'report')
    process.send!({ overlaps: rack.bmcs.map((b) => b.overlaps), resets: rack.bmcs.map((b) => b.resets), power: rack.bmcs.map((b) => b.power()) });
  if (m === 'stop') void rack.stop().then(() => process.exit(0));
});
