// The restore e2e test's source machine: a bootable Debian 12 disk image made
// by debian-disk.sh (debootstrap from Debian's mirror), built once and cached
// under DPLOY_TEST_DEBIAN_DISK_CACHE (default /var/cache/dploy-test/debian-disk)
// in a directory named by the recipe's SHA-256, so CI builds it once and a
// changed recipe builds a new one. The test boots it with -snapshot: the cached
// image is never written.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const RECIPE = new URL('./debian-disk.sh', import.meta.url).pathname;
const CACHE = process.env.DPLOY_TEST_DEBIAN_DISK_CACHE ?? '/var/cache/dploy-test/debian-disk';

export interface DebianDisk {
  /** Raw disk image: GPT, BIOS boot partition 1, ext4 / on partition 2, the EFI system partition (FAT, /boot/efi) on 3. */
  disk: string;
  /** The private key root's authorized_keys admits. */
  privateKey: string;
  rootUuid: string;
  espUuid: string;
  /** Seconds the build took; 0 when it came from the cache. */
  builtInS: number;
}

export function debianDisk(): DebianDisk {
  const key = createHash('sha256').update(readFileSync(RECIPE)).digest('hex').slice(0, 16);
  const dir = join(CACHE, key);
  let builtInS = 0;
  const read = (name: string) => readFileSync(join(dir, name), 'utf8').trim();
  if (!existsSync(join(dir, 'root-uuid'))) {
    const partial = join(CACHE, `.partial-${key}`);
    rmSync(partial, { recursive: true, force: true });
    const started = Date.now();
    try {
      execFileSync('sh', [RECIPE, partial, join(CACHE, 'debs')], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 1_200_000 });
    } catch (err) {
      const e = err as { stderr?: Buffer };
      throw new Error(`building the source disk (${RECIPE}) failed: ${e.stderr?.toString() ?? String(err)}`);
    }
    rmSync(join(partial, 'mnt'), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
    builtInS = Math.round((Date.now() - started) / 1000);
  }
  return { disk: join(dir, 'disk.img'), privateKey: join(dir, 'id_ed25519'), rootUuid: read('root-uuid'), espUuid: read('esp-uuid'), builtInS };
}
