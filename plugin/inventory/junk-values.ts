// Placeholder strings that firmware and tools write where a real value
// belongs. They must never reach an identity: two machines sharing
// "To be filled by O.E.M." as a serial are two machines. One list, with where
// each value comes from, so additions stay reviewable.

const JUNK_TEXT = new Set([
  // AMI Aptio BIOS templates left unedited by the board maker (DMI types 1-3, 4, 17).
  'to be filled by o.e.m.',
  'default string',
  'o.e.m.',
  'oem',
  'system serial number',
  'system product name',
  'system manufacturer',
  'system version',
  'base board serial number',
  'chassis serial number',
  'type1productconfigid',
  'system sku#',
  // SMBIOS "string not set" spellings seen from Dell, HP, Sun, Lenovo and virtual BIOSes.
  'not specified',
  'not applicable',
  'not available',
  'not settable',
  'not present',
  'n/a',
  'null',
  'none',
  'unknown',
  'undefined',
  'invalid',
  'empty',
  'no dimm',
  'no enclosure',
  // Counting templates from motherboard vendors' DMI tools.
  '0123456789',
  '1234567890',
  '123456789',
  '12345678',
  'serial#',
  'xxxxxxxxxx',
  // `lshw -sanitize` replaces serials, UUIDs and MACs with this (src/core/osutils.h REMOVED).
  '[removed]',
]);

// AMI memory-device templates ("Manufacturer1", "A1_Manufacturer4", "PartNum2",
// "Array1_PartNumber7", "SerNum0") and strings made only of fill characters
// ("....................", "0000", "FFFFFFFF", "---").
const JUNK_PATTERNS = [
  /^(a\d+_)?manufacturer\d*$/,
  /^(array\d+_)?(partnumber|serialnumber|assettag)\d*$/,
  /^(partnum|sernum|assettagnum)\d*$/,
  /^[\s.\-_*#?]*$/,
  /^0+$/,
  /^f+$/,
];

// SMBIOS UUIDs that are not unique: all-zero ("not present") and all-F
// ("not settable") per DSP0134 §7.2.1, and the AMI default
// 03000200-0400-0500-0006-000700080009 shipped on thousands of boards
// (bytes 00 02 00 03 ... 00 09), in both byte orders lshw has printed.
const JUNK_UUIDS = new Set(['03000200-0400-0500-0006-000700080009', '00020003-0004-0005-0006-000700080009']);

/** True when a vendor-supplied string is a placeholder rather than a value. */
export function isJunkText(value: string): boolean {
  const key = value.trim().toLowerCase().replace(/\s+/g, ' ');
  return JUNK_TEXT.has(key) || JUNK_PATTERNS.some((pattern) => pattern.test(key));
}

/** The value, or undefined when it is missing or a placeholder. */
export function known(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = stripJunkSuffix(value);
  return trimmed === undefined || isJunkText(trimmed) ? undefined : trimmed;
}

// lshw appends the SKU or family in parentheses ("S2600CP (To be filled by
// O.E.M.)", "Xeon (None)"); keep the real part when only the suffix is junk.
function stripJunkSuffix(value: string): string | undefined {
  const match = /^(.*\S)\s*\(([^()]*)\)$/.exec(value);
  if (match && isJunkText(match[2]!)) return match[1];
  return value;
}

/** True for SMBIOS UUIDs that cannot identify one machine (compare after normalising). */
export function isJunkUuid(uuid: string): boolean {
  const hex = uuid.replace(/-/g, '');
  return JUNK_UUIDS.has(uuid) || /^(.)\1*$/.test(hex);
}
