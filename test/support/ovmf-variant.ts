// Another machine from the real qemu q35/OVMF lshw document
// (test/fixtures/lshw/qemu-ovmf-q35.xml): its two NICs' MACs, its SMBIOS UUID
// and its serial replaced, optionally its hostname, so one real document
// stands for many machines in a storm. `n` (0–255) picks the MACs.

const FIXTURE_MACS = '52:54:00:d0:00:1';
const FIXTURE_UUID = '6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a02';
const FIXTURE_SERIAL = 'DPLOY-FIX-0002';

export function ovmfVariant(xml: string, n: number, serial: string, hostname?: string): string {
  const hex = n.toString(16).padStart(2, '0');
  const named =
    hostname === undefined ? xml : xml.replace('<node id="_none_" claimed="true" class="system"', `<node id="${hostname}" claimed="true" class="system"`);
  return named
    .replaceAll(FIXTURE_MACS, `52:54:00:${hex}:00:1`)
    .replace(FIXTURE_UUID, `6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f5${hex.padStart(3, '0')}`)
    .replace(FIXTURE_SERIAL, serial);
}

/** The MACs ovmfVariant(…, n, …) gives, in the document's order. */
export const ovmfVariantMacs = (n: number): string[] => [11, 12].map((last) => `52:54:00:${n.toString(16).padStart(2, '0')}:00:${last}`);
