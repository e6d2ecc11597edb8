// A profile: one distribution-neutral description of a system (docs/profiles.md).
// The same profile renders to kickstart, preseed, AutoYaST or autoinstall.
// Every string that reaches an answer file or a shell line is constrained here,
// so templates never have to escape free text.

import { z } from 'zod';
import { postScriptProblem } from './post-script-text.js';

const NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;
const SSH_KEY = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/=]+( [A-Za-z0-9@._+:-]+)?$/;
const URL = /^https?:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~%/+:@=-]*)?$/;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d+)?$/;
const PACKAGE = /^@?[A-Za-z0-9][A-Za-z0-9+._:-]*$/;

const url = z.string().regex(URL, 'an http(s) URL without spaces or quotes');
const sshKey = z.string().regex(SSH_KEY, 'an OpenSSH public key line (type, base64, optional comment without spaces)');
const hash = z.string().min(1);

export const userSchema = z.strictObject({
  name: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'a POSIX user name (lower case, at most 32)'),
  passwordHash: hash.optional(),
  sshKeys: z.array(sshKey).default([]),
  groups: z.array(z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'a group name')).default([]),
  sudo: z.boolean().default(false),
});

export const repositorySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, dot, dash, underscore'),
  url,
  /** Debian-family suite and components ("bookworm main"); ignored elsewhere. */
  suite: z
    .string()
    .regex(/^[a-z0-9.-]+( [a-z0-9.-]+)*$/, 'a suite and components, e.g. "bookworm main"')
    .optional(),
  gpgKeyUrl: url.optional(),
});

export const partitioningSchema = z.strictObject({
  /** single: one root file system; lvm: root and swap in a volume group; raid1: mirrored across two disks. */
  scheme: z.enum(['single', 'lvm', 'raid1']).default('single'),
  filesystem: z.enum(['ext4', 'xfs']).default('ext4'),
  swapMiB: z.number().int().min(0).max(262144).default(2048),
});

export const configManagementSchema = z.strictObject({
  puppet: z
    .strictObject({
      server: z.string().regex(HOST, 'a host name'),
      environment: z
        .string()
        .regex(/^[a-z0-9_]+$/, 'a Puppet environment name (lower case, digits, underscore)')
        .default('production'),
    })
    .optional(),
  ansiblePull: z
    .strictObject({
      url,
      playbook: z
        .string()
        .regex(/^[A-Za-z0-9._/-]+\.ya?ml$/, 'a playbook path in the repository')
        .default('local.yml'),
      branch: z
        .string()
        .regex(/^[A-Za-z0-9._/-]+$/, 'a branch name')
        .optional(),
    })
    .optional(),
  salt: z.strictObject({ master: z.string().regex(HOST, 'a host name') }).optional(),
});

export const profileSchema = z.strictObject({
  name: z.string().regex(NAME, 'lower-case letters, digits, dot, dash, underscore; at most 128'),
  distro: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a catalog distro name such as debian, rocky, sles'),
  // YAML reads `release: 9` as a number: a whole number is exact, so it is taken;
  // 15.60 or 22.10 would already have lost digits, so a fraction must be quoted.
  release: z.preprocess(
    (v) => (typeof v === 'number' && Number.isInteger(v) ? String(v) : v),
    z
      .string({
        error: (issue) =>
          typeof issue.input === 'number'
            ? 'write the release in quotes ("15.6", "24.04"): YAML reads it as a number and drops trailing zeros'
            : 'a catalog release such as 12, 9, 15.6, 24.04',
      })
      .regex(/^[A-Za-z0-9.-]+$/, 'a catalog release such as 12, 9, 15.6, 24.04'),
  ),
  arch: z.enum(['x86_64', 'i386', 'aarch64', 'ia64']).default('x86_64'),
  locale: z
    .string()
    .regex(/^[a-z]{2,3}_[A-Z]{2}(\.UTF-8)?$/, 'a locale such as en_US.UTF-8')
    .default('en_US.UTF-8'),
  keyboard: z
    .string()
    .regex(/^[a-z]{2}$/, 'an XKB layout such as us, de, fr')
    .default('us'),
  timezone: z
    .string()
    .regex(/^[A-Za-z_]+(\/[A-Za-z_+-]+)*$/, 'a tz name such as Europe/Paris')
    .default('Etc/UTC'),
  domain: z
    .string()
    .regex(/^([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*)?$/, 'a DNS domain such as example.net')
    .default(''),
  /** Site-wide name this profile installs for; reaches templates as it.site. */
  site: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, dot, dash, underscore')
    .default(''),
  /** Free variables for operator templates (it.variables.<name>). */
  variables: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().regex(/^[^\n'"\\`$]*$/, 'one line, no quotes, backslash, backtick or $'))
    .default({}),
  rootPasswordHash: hash.optional(),
  /** root's authorized keys. */
  sshKeys: z.array(sshKey).default([]),
  users: z.array(userSchema).default([]),
  /** Install source override: http://<host><directory>; default the imported tree, else the catalog's upstream. */
  mirror: z
    .strictObject({
      host: z.string().regex(HOST, 'a host name or address, optionally :port'),
      directory: z.string().regex(/^\/[A-Za-z0-9._/-]*$/, 'a path such as /debian'),
    })
    .optional(),
  packages: z.array(z.string().regex(PACKAGE, 'a package name (or @group for kickstart)')).default([]),
  repositories: z.array(repositorySchema).default([]),
  diskPolicy: z.enum(['first', 'smallest', 'largest', 'serial']).default('first'),
  /** With diskPolicy serial: the disk serial(s), two for raid1. */
  diskSerials: z.array(z.string().regex(/^[A-Za-z0-9._-]+$/, 'a disk serial as lshw reports it')).default([]),
  partitioning: partitioningSchema.prefault({}),
  postScripts: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'a file-name-like script name'),
        /** POSIX sh, run as root in the installed system. */
        script: z
          .string()
          .min(1)
          .max(65536)
          .superRefine((script, ctx) => {
            const problem = postScriptProblem(script);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          }),
      }),
    )
    .default([]),
  configManagement: configManagementSchema.prefault({}),
});

export type Profile = z.infer<typeof profileSchema>;
export type ProfileUser = z.infer<typeof userSchema>;
