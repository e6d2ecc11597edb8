// How a loader's config file writes kernel-line words and file paths
// (BootLoaderRules.kernel); the checks every loader needs are in
// ../kernel-args.ts, which applies these.

/** Refuses with the whole message (a DPLOY_ERR_BOOT_CONFIG). */
export type Fail = (message: string) => never;

export interface KernelSyntax {
  /** Why a word cannot appear in this loader's config, beyond what no loader can carry; undefined when it can. */
  refuse?(word: string): string | undefined;
  /** A word (argument or path, already checked) as the config file writes it; undefined: a word with spaces not of the form key=value. */
  quote(word: string): string | undefined;
  /**
   * The command-line words for a boot image: its arguments with the loader's initrd= words, and BOOTIF= where the loader
   * does not add it itself. `owner` names the machine in refusals.
   */
  words(args: readonly string[], initrds: readonly string[], bootif: string, owner: string, fail: Fail): string[];
  /** A kernel or initrd path as the loader fetches it (`fileBase`: dploy's HTTP file root). */
  path(path: string, fileBase: string, owner: string, fail: Fail): string;
}

export const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** pxelinux APPEND, elilo append="…", iPXE: the line goes to the kernel as is; a value with spaces is key="a b" (the kernel's own quoting). */
export function kernelQuoted(word: string): string | undefined {
  if (!word.includes(' ')) return word;
  const equals = word.indexOf('=');
  return equals <= 0 ? undefined : `${word.slice(0, equals + 1)}"${word.slice(equals + 1)}"`;
}

/** The image's arguments and BOOTIF=, for loaders that do not add BOOTIF themselves. */
export function withBootif(args: readonly string[], bootif: string): string[] {
  return bootif ? [...args, `BOOTIF=${bootif}`] : [...args];
}

/** GRUB and elilo fetch over TFTP only. */
export function tftpOnly(loader: string, path: string, owner: string, fail: Fail): string {
  if (URL_LIKE.test(path)) fail(`${loader} fetches files over TFTP; give ${owner}'s kernel/initrd as a TFTP path, not ${path}`);
  return path;
}
