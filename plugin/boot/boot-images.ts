// Which kernel a boot state boots. Discovery boots dploy's environment or mindi from the TFTP root
// with dploy's URL and the enrollment token; install and restore ask the
// installers (LinuxCOE catalog, Mondo images), which plug in as providers.

import { DployError } from '../errors.js';
import type { BootContext, BootImage, BootVariables, NetbootState } from './boot-inputs.js';

export interface DiscoverImage {
  kernel: string;
  initrd: string;
  args: string;
}

/** The discovery environment for a machine's architecture (dploy's own build per architecture, or mindi). */
export type DiscoverImageFor = (context: Pick<BootContext, 'arch'>) => DiscoverImage;

/** undefined: the job is past its network boot, the machine boots its disk (BootVariables.image). */
export type ImageProvider = (state: NetbootState, context: BootContext) => BootImage | undefined | Promise<BootImage | undefined>;

export interface BootImageSources {
  /** Read per request: with http.port 0 the URL is known only once the server listens. */
  httpBaseUrl: () => string;
  discover: DiscoverImageFor;
  /** The enrollment token is read per boot: rotating it takes effect at once. */
  enrollmentToken: () => Promise<string>;
  install?: ImageProvider;
  restore?: ImageProvider;
}

export function bootVariables(sources: BootImageSources): BootVariables {
  return {
    get httpBaseUrl() {
      return sources.httpBaseUrl();
    },
    async image(state, context) {
      switch (state.kind) {
        case 'discover':
        case 'rescue': {
          const env = sources.discover(context);
          return {
            kernel: env.kernel,
            initrds: [env.initrd],
            args: [...env.args.split(/\s+/).filter(Boolean), `dploy.url=${sources.httpBaseUrl()}`, `dploy.token=${await sources.enrollmentToken()}`],
          };
        }
        case 'install':
          if (!sources.install) throw new DployError('DPLOY_ERR_BOOT_CONFIG', `no installer catalog is loaded, so profile ${state.profile} cannot boot`);
          return sources.install(state, context);
        case 'restore':
          if (!sources.restore) throw new DployError('DPLOY_ERR_BOOT_CONFIG', `Mondo restore is not available in this dploy yet (image ${state.image})`);
          return sources.restore(state, context);
      }
    },
  };
}
