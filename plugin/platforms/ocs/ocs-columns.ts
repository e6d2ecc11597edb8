// What dploy expects of OCS's tables, column by column: the columns it
// cannot work without (`needed`: it reads them, or the console, the
// duplicate merge or the lock protocol depend on them) and the ones it fills
// when the schema has them (`filled`). Every other column of these tables is
// left to OCS's default. ocs-schema.ts checks a database against this once at
// start and gives the writer the columns to write.
//
// Kinds are what dploy's value needs of the column: `text` a character type;
// `int` an integer type, or a character type (a number is stored as its
// digits: memories.CAPACITY is VARCHAR until update 7050, INT after);
// `datetime` a DATETIME or TIMESTAMP. `width` is the longest text dploy
// writes there, so a narrower column would refuse it: 255 for the section
// rows' text, which machine-rows.ts cuts there.

export type ColumnKind = 'text' | 'int' | 'datetime';
export interface ColumnNeed {
  kind: ColumnKind;
  width?: number;
}
export interface TableNeeds {
  needed: Record<string, ColumnNeed>;
  filled: Record<string, ColumnNeed>;
}

const text = (width?: number): ColumnNeed => (width === undefined ? { kind: 'text' } : { kind: 'text', width });
const int: ColumnNeed = { kind: 'int' };
const datetime: ColumnNeed = { kind: 'datetime' };
const texts = (names: readonly string[]): Record<string, ColumnNeed> => Object.fromEntries(names.map((n) => [n, text(255)]));
const ints = (names: readonly string[]): Record<string, ColumnNeed> => Object.fromEntries(names.map((n) => [n, int]));

/** The computer tables dploy writes a discovered machine into (machine-rows.ts). */
export const COMPUTER_TABLES = {
  hardware: {
    // DEVICEID, NAME and USERAGENT are found by; LASTDATE orders; CHECKSUM is ORed (Update/Hardware.pm).
    needed: { ID: int, DEVICEID: text(255), NAME: text(63), UUID: text(36), USERAGENT: text(50), LASTDATE: datetime, LASTCOME: datetime, CHECKSUM: int },
    filled: { ...texts(['PROCESSORT', 'IPSRC', 'DESCRIPTION']), ARCH: text(10), ...ints(['PROCESSORS', 'PROCESSORN', 'MEMORY', 'SWAP', 'TYPE', 'FIDELITY']) },
  },
  // SSN and SMODEL are what OCS's duplicate merge compares (with NAME and the MACs).
  bios: {
    needed: { HARDWARE_ID: int, SSN: text(255), SMODEL: text(255) },
    filled: texts(['SMANUFACTURER', 'TYPE', 'BMANUFACTURER', 'BVERSION', 'BDATE', 'ASSETTAG', 'MMANUFACTURER', 'MMODEL', 'MSN']),
  },
  cpus: {
    needed: { HARDWARE_ID: int },
    filled: {
      ...texts(['MANUFACTURER', 'TYPE', 'SERIALNUMBER', 'SPEED', 'L2CACHESIZE', 'CPUARCH', 'VOLTAGE', 'CURRENT_SPEED', 'SOCKET']),
      ...ints(['CORES', 'DATA_WIDTH', 'CURRENT_ADDRESS_WIDTH', 'LOGICAL_CPUS']),
    },
  },
  memories: {
    needed: { HARDWARE_ID: int },
    filled: { ...texts(['CAPTION', 'DESCRIPTION', 'PURPOSE', 'TYPE', 'SPEED', 'SERIALNUMBER']), ...ints(['CAPACITY', 'NUMSLOTS']) },
  },
  storages: {
    needed: { HARDWARE_ID: int },
    filled: { ...texts(['MANUFACTURER', 'NAME', 'MODEL', 'DESCRIPTION', 'TYPE', 'SERIALNUMBER', 'FIRMWARE']), DISKSIZE: int },
  },
  networks: {
    // MACADDR links a computer to its agent's reports; VIRTUALDEV tells a bridge from a NIC.
    needed: { HARDWARE_ID: int, MACADDR: text(17), VIRTUALDEV: int },
    filled: texts(['DESCRIPTION', 'TYPE', 'TYPEMIB', 'SPEED', 'MTU', 'STATUS', 'IPADDRESS', 'IPMASK', 'IPGATEWAY', 'IPSUBNET', 'IPDHCP']),
  },
  accountinfo: { needed: { HARDWARE_ID: int, TAG: text(2) }, filled: {} },
} as const satisfies Record<string, TableNeeds>;

/** The tables of OCS dploy's registration, task reading and locking use as they are. */
export const CONSOLE_TABLES = {
  accountinfo_config: {
    needed: { ID: int, TYPE: int, NAME: text(), ID_TAB: int, COMMENT: text(), SHOW_ORDER: int, ACCOUNT_TYPE: text(), DEFAULT_VALUE: text() },
    filled: {},
  },
  config: { needed: { NAME: text(50), IVALUE: int, TVALUE: text(255) }, filled: {} },
  // The lock protocol of OCS's server (Apache::Ocsinventory::Server::System::_lock).
  locks: { needed: { HARDWARE_ID: int, ID: int, SINCE: datetime }, filled: {} },
  blacklist_macaddresses: { needed: { MACADDRESS: text() }, filled: {} },
} as const satisfies Record<string, TableNeeds>;

export type ComputerTable = keyof typeof COMPUTER_TABLES;
export const OCS_TABLE_NEEDS: Record<string, TableNeeds> = { ...COMPUTER_TABLES, ...CONSOLE_TABLES };
