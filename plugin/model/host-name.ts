// Host names become DHCP host names, pxelinux labels and the installed
// system's hostname, so they follow RFC 1123: labels of letters, digits and
// hyphens, not starting or ending with a hyphen, 63 characters each, 253 total.

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

export function hostNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 253) return 'is longer than 253 characters';
  const bad = name.split('.').find((label) => !LABEL.test(label));
  if (bad !== undefined) return `has an invalid label "${bad.slice(0, 70)}" (letters, digits and inner hyphens only, at most 63 characters)`;
  return undefined;
}
