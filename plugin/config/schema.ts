// The one configuration of dploy. Every key has a default that runs out of the
// box on a laptop (standalone platform, SQLite under ./var, HTTP 8080, TFTP
// 6969); production changes a handful of them. docs/configuration.md lists
// every key; a test keeps that page and this schema in step.

import { availableParallelism } from 'node:os';
import { z } from 'zod';

const port = z.number().int().min(0).max(65535);

/**
 * One BMC driver's pace (power.ipmi, power.redfish, power.ribcl): the rest between two commands to one BMC
 * and the re-reads that verify a power change (docs/power.md). Defaults differ by how much the BMCs take.
 */
function bmcPolicy(d: { restMs: number; verifyFirstMs: number; verifyGrowth: number }) {
  return z
    .strictObject({
      restMs: z.number().int().min(0).max(60_000).default(d.restMs),
      verifyFirstMs: z.number().int().min(100).max(60_000).default(d.verifyFirstMs),
      verifyGrowth: z.number().min(1).max(4).default(d.verifyGrowth),
      verifySeconds: z.number().int().min(1).max(600).default(30),
    })
    .superRefine((p, ctx) => {
      if (p.verifyFirstMs > p.verifySeconds * 1000)
        ctx.addIssue({
          code: 'custom',
          path: ['verifyFirstMs'],
          message: `the first re-read (${p.verifyFirstMs} ms) comes after verification has given up (verifySeconds: ${p.verifySeconds})`,
        });
    })
    .prefault({});
}

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export const configSchema = z.strictObject({
  /** Which host tool keeps the machines and tasks. */
  platform: z.enum(['standalone', 'ocs', 'sim']).default('standalone'),
  database: z
    .strictObject({
      /** sqlite:<path>, mysql://user:pass@host:port/db (MariaDB too), postgres://user@host:port/db */
      url: z.string().min(1).default('sqlite:./var/dploy.sqlite'),
    })
    .prefault({}),
  http: z
    .strictObject({
      address: z.string().min(1).default('0.0.0.0'),
      port: port.default(8080),
      /** How booting machines reach dploy; derived from address/port when empty. */
      baseUrl: z.string().default(''),
      /** Largest request body accepted (an lshw document of a big server is ~1 MiB). */
      bodyLimitBytes: z
        .number()
        .int()
        .positive()
        .default(8 * 1024 * 1024),
      /** PEM certificate (chain) and its key: set both to serve HTTPS on tlsPort, where /api must then be reached (docs/security.md). */
      tlsCertFile: z.string().default(''),
      tlsKeyFile: z.string().default(''),
      tlsPort: port.default(8443),
    })
    .superRefine((http, ctx) => {
      if ((http.tlsCertFile === '') === (http.tlsKeyFile === '')) return;
      const missing = http.tlsCertFile === '' ? 'tlsCertFile' : 'tlsKeyFile';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'a file path is required: TLS needs both the certificate and its key' });
    })
    .prefault({}),
  tftp: z
    .strictObject({
      enabled: z.boolean().default(true),
      address: z.string().min(1).default('0.0.0.0'),
      port: port.default(6969),
      root: z.string().min(1).default('./var/tftp'),
      /** Transfer worker threads, one event loop each (docs/tftp.md); 0 runs transfers on the main thread. */
      workers: z.number().int().min(0).max(64).default(availableParallelism()),
      /** native: the C transfer engine (built by npm ci); node: node:dgram worker threads (docs/tftp.md). */
      engine: z.enum(['native', 'node']).default('native'),
      /** SO_RCVBUF of each listener, so a burst of read requests waits instead of being dropped (docs/tftp.md, "Bursts"). */
      receiveBufferBytes: z
        .number()
        .int()
        .min(64 * 1024)
        .max(256 * 2 ** 20)
        .default(4 * 2 ** 20),
    })
    .prefault({}),
  boot: z
    .strictObject({
      /** A MAC dploy does not know: boot mindi (discover), boot the local disk, or stay silent (ignore). */
      unknownHost: z.enum(['discover', 'localboot', 'ignore']).default('discover'),
      menuTimeoutSeconds: z.number().int().min(0).max(600).default(5),
      /** Operator's boot templates, searched before the shipped pxe/boot/. */
      templateDir: z.string().default(''),
      /**
       * What discovery boots: dploy's own environment (dploy boot-env build, per architecture), mindi (the three keys
       * below), or auto: dploy's where it is built for the machine's architecture, else mindi (docs/images.md).
       */
      discoverEnvironment: z.enum(['auto', 'dploy', 'mindi']).default('auto'),
      /** Kernel arguments of dploy's environment; dploy adds dploy.url/dploy.token (or dploy.job) and BOOTIF. */
      bootEnvArgs: z.string().default('console=tty0'),
      /** mindi's kernel and initrd, as paths in the TFTP root (docs/mindi.md). */
      discoverKernel: z.string().min(1).default('mindi/vmlinuz'),
      discoverInitrd: z.string().min(1).default('mindi/initrd.img'),
      /** mindi's own kernel arguments (from its isolinux.cfg plus pxe); dploy adds dploy.url/dploy.token and BOOTIF. */
      discoverArgs: z
        .string()
        .default('load_ramdisk=1 prompt_ramdisk=0 ramdisk_size=36864 rw root=/dev/ram iso_mode acpi=off apm=off devfs=nomount exec-shield=0 pxe'),
    })
    .prefault({}),
  installers: z
    .strictObject({
      /** Imported install media (dploy media import), one tree per distro-release-arch, served at /mirror/. */
      mirrorDir: z.string().min(1).default('./var/mirror'),
      /** Operator's answer templates (<kind>/<distro>-<release>-<arch>.eta … and snippets/), searched before the shipped pxe/answers/. */
      templateDir: z.string().default(''),
      /** AES-256-GCM key sealing the password hashes in profiles; created 0600 on first use (docs/profiles.md). */
      secretKeyFile: z.string().min(1).default('./var/secret.key'),
    })
    .prefault({}),
  images: z
    .strictObject({
      /** The image store: one directory per image (manifest.json and its archives); may be on another filesystem (docs/images.md). */
      storeDir: z.string().min(1).default('./var/images'),
      /** Mountpoints an image task captures, separated by spaces; empty: every mounted ext2/3/4, xfs, vfat, btrfs filesystem. */
      filesystems: z.string().default(''),
      /** A capture still running after this long is taken for a runner that died. */
      captureTimeoutSeconds: z
        .number()
        .int()
        .min(60)
        .default(6 * 3600),
      /** What a rebuild (backup, reinstall, restore) puts back into the reinstalled system, separated by spaces; "/" is the whole image. */
      restorePaths: z.string().default('/etc /home /srv /root'),
      /** Complete images kept per host, newest first, after each capture and by `dploy images prune`; 0: no limit. */
      keepPerHost: z.number().int().min(0).default(0),
      /** Images older than this many days are removed after each capture and by `dploy images prune`; 0: no limit. */
      maxAgeDays: z.number().int().min(0).default(0),
      /** engine mondo: where mondoarchive writes its ISO set, scratch and temp files on the source; needs room for the whole set. */
      mondoScratchDir: z.string().min(1).default('/var/cache/dploy-mondo'),
      /** engine mondo: the image store as the operator exports it over NFS (nfs://server:/export/images), mindi's netfs=; empty: Mondo images are not restored. */
      mondoNetfs: z.string().default(''),
    })
    .prefault({}),
  agent: z
    .strictObject({
      /** Any post with the public enrollment token may re-inventory a known machine; off: only one in a discover job (docs/security.md). */
      rediscoverKnownHosts: z.boolean().default(false),
      /** Times an install job's answer file is served (installers fetch it once or twice). */
      answerFetches: z.number().int().min(1).max(100).default(8),
      /** Requests a second one client address may make to /agent and /answers (burst: 10 s worth); 0 turns the limit off. */
      ratePerSource: z.number().min(0).default(20),
      /** Addresses the rate limit does not count, separated by spaces: the host itself, a relay. */
      rateLimitExempt: z.string().default('127.0.0.1 ::1'),
      /** Distinct inventory documents kept per host; a new one deletes the oldest beyond it (docs/inventory.md). */
      inventoriesKept: z.number().int().min(1).max(1000).default(5),
    })
    .prefault({}),
  runner: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** node-cron expression with seconds. */
      schedule: z.string().min(1).default('*/10 * * * * *'),
      /** How long a runner owns a claimed job; a dead runner's jobs are taken over after it. */
      leaseSeconds: z.number().int().min(5).default(60),
      /** Jobs claimed per batch. */
      batchSize: z.number().int().min(1).max(1000).default(100),
      /** Tries of a failing step (BMC unreachable …) before the job fails. */
      maxAttempts: z.number().int().min(1).max(20).default(3),
      /** From boot state set to the machine showing up (answer file fetched, inventory posted). */
      bootTimeoutSeconds: z.number().int().min(10).default(1200),
      /** From installer start to its "installed" callback. */
      installTimeoutSeconds: z.number().int().min(60).default(7200),
    })
    .prefault({}),
  power: z
    .strictObject({
      /** Machines powered on per wave for a boot (install, discover through their BMC), fixed by the operator; unset: measured (docs/power.md). */
      waveSize: z.number().int().min(1).max(10000).optional(),
      /** Bounds of a measured wave size. */
      waveMinSize: z.number().int().min(1).max(10000).default(2),
      waveMaxSize: z.number().int().min(1).max(10000).default(200),
      /** The wave size until the boot services have served something to measure. */
      waveUnmeasuredSize: z.number().int().min(1).max(10000).default(10),
      /** Seconds between two waves' openings. */
      waveIntervalSeconds: z.number().int().min(1).max(3600).default(30),
      /** IPMI BMCs are the fragile ones: Ironic keeps 5 s between commands because faster "may crash the BMC"; re-reads 2, 4, 8, 16 s (MAAS). */
      ipmi: bmcPolicy({ restMs: 5000, verifyFirstMs: 2000, verifyGrowth: 2 }),
      /** A Redfish service is an HTTPS server built for concurrent clients (Ironic's Redfish driver keeps no interval): 1 s rest, re-read every 1 s. */
      redfish: bmcPolicy({ restMs: 1000, verifyFirstMs: 1000, verifyGrowth: 1 }),
      /** iLO 2–4 take a TLS handshake and a login per command on a slow processor: Ironic's iLO driver waits 2 s (power_wait). */
      ribcl: bmcPolicy({ restMs: 2000, verifyFirstMs: 2000, verifyGrowth: 1 }),
    })
    .superRefine((power, ctx) => {
      if (power.waveMinSize > power.waveMaxSize)
        ctx.addIssue({ code: 'custom', path: ['waveMinSize'], message: `must not exceed power.waveMaxSize (${power.waveMaxSize})` });
    })
    .prefault({}),
  dhcp: z
    .strictObject({
      /** The site's DHCP server whose dploy hosts file dploy keeps up to date; none: `dploy dhcp export` by hand. */
      server: z.enum(['none', 'isc', 'kea', 'dnsmasq']).default('none'),
      /** The file the server includes (docs/dhcp.md); dploy needs write access to its directory. */
      hostsFile: z.string().default(''),
      /** Run after a change, as an argv split on spaces (no shell), e.g. "systemctl reload isc-dhcp-server". */
      reloadCommand: z.string().default(''),
      /** TFTP server address sent as next-server; default the host of http.baseUrl. */
      nextServer: z.string().default(''),
      /** node-cron expression with seconds: how often changes made by other processes are picked up. */
      schedule: z.string().min(1).default('*/10 * * * * *'),
      /** The boot file per DHCP option 93 class; empty: dploy's default (docs/dhcp.md, "Option 93 matrix"). HTTP boot ones are URLs. */
      loaders: z
        .strictObject({
          bios: z.string().default(''),
          efiIa64: z.string().default(''),
          efiIa32: z.string().default(''),
          efiX64: z.string().default(''),
          efiArm64: z.string().default(''),
          httpX64: z.string().default(''),
          httpArm64: z.string().default(''),
        })
        .prefault({}),
      /** Option 15 to dploy's hosts only; empty: none. */
      domain: z.string().default(''),
      /** Option 6 to dploy's hosts only, IPv4 addresses separated by spaces; empty: none. */
      dnsServers: z.string().default(''),
      /** dnsmasq only: answer proxy-DHCP on this IPv4 network (CIDR), for a site whose DHCP server cannot be changed. */
      proxyNetwork: z.string().default(''),
    })
    .superRefine((dhcp, ctx) => {
      if (dhcp.server !== 'none' && dhcp.hostsFile === '')
        ctx.addIssue({ code: 'custom', path: ['hostsFile'], message: `a file path is required when dhcp.server is ${dhcp.server}` });
    })
    .prefault({}),
  ocs: z
    .strictObject({
      /** Run on an OCS schema (GUI_VERSION) newer than the newest dploy knows; its columns are still checked (docs/ocs.md). */
      acceptNewerSchema: z.boolean().default(false),
      /** OCS's console (ocsreports) as operators reach it, e.g. https://ocs.example.org/ocsreports/: dploy's host pages link to its computer page; empty: no link. */
      consoleUrl: z
        .string()
        .refine((url) => url === '' || (/^https?:\/\//.test(url) && URL.canParse(url)), 'an http(s) URL, e.g. https://ocs.example.org/ocsreports/')
        .default(''),
    })
    .prefault({}),
  sim: z
    .strictObject({
      /** Folder of SIM's mx commands (mxnode, mxtool, mxexec); empty: found on PATH, as on the CMS (docs/sim.md). */
      binDir: z.string().default(''),
      /** Longest an mx command may run before it is killed and the call fails. */
      timeoutSeconds: z.number().int().min(1).max(3600).default(120),
      /** The command line dploy's SIM tools run on the CMS; the task name and its argument are appended (docs/sim.md). */
      toolCommand: z.string().min(1).default('dploy sim-task'),
      /** The system SIM runs dploy's tools on; empty: this machine's host name. */
      cms: z.string().default(''),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: logLevel.default('info'),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
