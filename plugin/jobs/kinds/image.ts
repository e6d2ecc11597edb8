// image: capture a running machine over SSH into the image store
// (capture-steps.ts, plugin/images/capture.ts), then record the image so a restore can name it.
//
//   queued ──(SSH access, name free)──► capturing ──(archives and manifest complete)──► done
//      └─(no SSH access, name taken)──► failed   └──(tar, zstd or SSH failed)──► failed

import { imageNameOf } from '../../images/image-store.js';
import type { JobKindSpec } from '../job-kind.js';
import { captureRefusal, captureWork, recordCapture, type ImageSettings } from './capture-steps.js';

export type { ImageSettings } from './capture-steps.js';

export function imageKind(s: ImageSettings): JobKindSpec {
  return {
    kind: 'image',
    doneStatus: 'image {image} captured',
    states: {
      queued: {
        step: 1,
        status: 'image capture queued',
        next: ['capturing', 'failed'],
        run: async (ctx) => {
          const refused = await captureRefusal(s, ctx);
          return refused
            ? { to: 'failed', message: refused }
            : { to: 'capturing', message: `capturing ${ctx.host.name} into image ${imageNameOf(ctx.job, ctx.host)} over SSH` };
        },
      },
      capturing: {
        step: 2,
        status: 'capturing the machine over SSH',
        work: captureWork(s),
        next: ['done', 'failed'],
        run: async (ctx) => {
          const r = await recordCapture(ctx, s);
          return 'failed' in r ? { to: 'failed', message: r.failed } : { to: 'done', message: r.done };
        },
        timeoutSeconds: s.captureTimeoutSeconds + 300,
        timeoutMessage: 'the runner capturing the image stopped before it finished',
      },
    },
  };
}
