// Verifies the console and the API start: an image of many GiB takes minutes
// to read, so the request answers at once and the reading goes on in the
// background, one verify per image at a time. They live as long as the
// process and no longer: dploy stopping aborts them (the audit log says
// "interrupted"), a crash ends them unrecorded; either way the image is left
// unverified, its last result having been forgotten when the verify began.
// A removal through the console or the API goes through here too: it is
// refused while the image is being read, and a verify is refused while the
// image is being removed (its files would vanish under the reader, and its
// result would be recorded on nothing).
// `dploy images verify` and `remove` run in their own process and are not counted here.

import type { EntityManager } from 'typeorm';
import { DployError } from '../errors.js';
import { getImage } from '../store/images.js';
import { verifyStoredImage } from './image-catalog.js';

export interface RunningVerify {
  name: string;
  since: Date;
}

export interface VerifyLog {
  error(fields: object, message: string): void;
}

export interface ImageVerifies {
  /** Starts reading the image in the background; refused (409) while a verify of it runs. */
  start(name: string, actor: string, log: VerifyLog): Promise<RunningVerify>;
  /**
   * The verifies running now, as a lookup: since when each image has been read. Taken BEFORE the image rows
   * are read: a verify records its result before it stops counting as running, so a row read after this
   * look holds the result of any verify the look missed. Looked up after the row, a verify ending between
   * the two would show the image "unverified": the row from before its result, no longer "verifying".
   */
  snapshot(): (name: string) => Date | undefined;
  /** Runs `remove` for the image unless a verify of it runs (409); a verify asked for meanwhile is refused. */
  removing<T>(name: string, remove: () => Promise<T>): Promise<T>;
  /** Aborts the running verifies and waits until each has stopped (before the database closes). */
  close(): Promise<void>;
}

export function imageVerifies(db: EntityManager, now: () => Date = () => new Date()): ImageVerifies {
  const running = new Map<string, { since: Date; done: Promise<void> }>();
  const removals = new Set<string>();
  const stopping = new AbortController();
  return {
    async start(name, actor, log) {
      await getImage(db, name);
      // Checked and taken with no await between: two requests at once cannot both start one.
      const current = running.get(name);
      if (current)
        throw new DployError(
          'DPLOY_ERR_CONFLICT',
          `image ${name} is being verified since ${current.since.toISOString()}; its page shows the result when it ends`,
        );
      if (removals.has(name)) throw new DployError('DPLOY_ERR_CONFLICT', `image ${name} is being removed`);
      if (stopping.signal.aborted) throw new DployError('DPLOY_ERR_CONFLICT', 'dploy is stopping; verify the image once it is back');
      const since = now();
      const done = verifyStoredImage(db, name, { actor, signal: stopping.signal, now }).then(
        () => undefined,
        (err: unknown) => {
          // A verify that found the manifest gone recorded that on the image; anything else is dploy's own trouble.
          if (!stopping.signal.aborted && !(err instanceof DployError)) log.error({ err, image: name }, `image ${name}: the verify stopped`);
        },
      );
      running.set(name, { since, done: done.finally(() => running.delete(name)) });
      return { name, since };
    },
    snapshot() {
      const now = new Map([...running].map(([name, r]) => [name, r.since]));
      return (name) => now.get(name);
    },
    async removing(name, remove) {
      // Checked and taken with no await between, as in start().
      const current = running.get(name);
      if (current)
        throw new DployError('DPLOY_ERR_CONFLICT', `image ${name} is being verified since ${current.since.toISOString()}; remove it once the verify ends`);
      removals.add(name);
      try {
        return await remove();
      } finally {
        removals.delete(name);
      }
    },
    async close() {
      stopping.abort();
      await Promise.all([...running.values()].map((r) => r.done));
    },
  };
}
