// Which transfer threads the TFTP service starts (tftp.workers, tftp.engine).

import { loadNativeEngine, NativeEngine } from './native-engine.js';
import type { TftpLogger } from './route.js';
import type { TftpSettings } from './settings.js';
import { TransferPool } from './transfer-pool.js';
import type { TransferRunner } from './read-request.js';

/** What runs the transfers: the C engine's threads, node:dgram worker threads, or the main thread alone. */
export type TransferEngine = 'native' | 'node' | 'main-thread';

/**
 * The native engine when asked for and built; otherwise node:dgram worker
 * threads, with a warning that says why: an install without a C compiler
 * still serves, only slower (docs/tftp.md).
 */
export function startTransferRunner(
  settings: TftpSettings,
  log: TftpLogger,
  load = loadNativeEngine,
): { pool: TransferRunner | undefined; engine: TransferEngine } {
  if (settings.workers === 0) return { pool: undefined, engine: 'main-thread' };
  if (settings.engine === 'native') {
    const native = load();
    if ('binding' in native) return { pool: new NativeEngine(native.binding, settings.workers), engine: 'native' };
    log.warn(
      { reason: native.error },
      'tftp native engine unavailable: transfers run on node:dgram worker threads (about 0.6x tftpd-hpa in a lock-step storm)',
    );
  }
  return { pool: new TransferPool(settings.workers, log), engine: 'node' };
}
