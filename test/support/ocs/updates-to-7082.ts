// OCS 2.12's schema, which no Debian release ships: the console's schema
// updates after Debian 12's 7069, written here as DDL steps from reading
// what upstream publishes (OCSInventory-NG/OCSInventory-ocsreports,
// files/update/7070.sql … 7081.sql at tag 2.12.4, 7082.sql on master). Each
// step names the update it mirrors; applied in order to a copy of the real
// 7069 ocsweb, they give a database at GUI_VERSION 7082 for dploy's tests.
// None of them touches a table dploy writes: that is itself what the tests
// show (dploy's columns at 7082 are those of 7069).

export interface SchemaUpdate {
  /** The GUI_VERSION the step brings the schema to: upstream's files/update/<version>.sql. */
  version: number;
  /** What it changes, in our words. */
  what: string;
  statements: string[];
}

const configRow = (name: string, ivalue: number, tvalue: string, comment: string): string =>
  `INSERT IGNORE INTO config (NAME, IVALUE, TVALUE, COMMENTS) VALUES ('${name}', ${ivalue}, '${tvalue}', '${comment}')`;

export const UPDATES_TO_7082: readonly SchemaUpdate[] = [
  { version: 7070, what: 'the Wake-on-LAN schedule table lower-cased', statements: ['RENAME TABLE schedule_WOL TO schedule_wol'] },
  { version: 7071, what: "a setting for the console's BIOS chart", statements: [configRow('INTERFACE_BIOS_DIAGRAM_VISIBILITY', 1, '', 'BIOS chart shown')] },
  {
    version: 7072,
    what: 'defaults of the IP discovery and SNMP scan settings',
    statements: [
      configRow('SCAN_TYPE_IPDISCOVER', 0, 'ICMP', 'IP discovery scan'),
      configRow('SCAN_TYPE_SNMP', 0, 'ICMP', 'SNMP scan'),
      configRow('SCAN_ARP_BANDWIDTH', 256, '', 'ARP scan Kb/s'),
      configRow('GENERATE_OCS_FILES_SNMP', 0, '', 'SNMP files'),
    ],
  },
  {
    version: 7073,
    what: 'software versions split into pretty/major/minor/patch; the CVE-search-all setting dropped',
    statements: [
      'ALTER TABLE software_version ADD COLUMN PRETTYVERSION VARCHAR(255) DEFAULT NULL, ADD COLUMN MAJOR INT DEFAULT NULL, ADD COLUMN MINOR INT DEFAULT NULL, ADD COLUMN PATCH INT DEFAULT NULL',
      'ALTER TABLE software_version ADD INDEX index_prettyversion (PRETTYVERSION)',
      "UPDATE software_version SET PRETTYVERSION = 'Unavailable', MAJOR = 0, MINOR = 0, PATCH = 0 WHERE ID = 1",
      "DELETE FROM config WHERE NAME = 'VULN_CVESEARCH_ALL'",
    ],
  },
  {
    version: 7074,
    what: 'LDAP settings moved from config to a table of their own',
    statements: [
      'CREATE TABLE config_ldap (NAME VARCHAR(50) NOT NULL, IVALUE INT DEFAULT NULL, TVALUE TEXT DEFAULT NULL, COMMENTS TEXT DEFAULT NULL, PRIMARY KEY (NAME)) ENGINE=InnoDB DEFAULT CHARSET=utf8',
      "INSERT INTO config_ldap SELECT NAME, IVALUE, TVALUE, COMMENTS FROM config WHERE NAME LIKE '%CONEX%'",
      "DELETE FROM config WHERE NAME LIKE '%CONEX%'",
    ],
  },
  {
    version: 7075,
    what: 'CAS login settings',
    statements: [configRow('CAS_BASEURL', 0, '', 'CAS server URL'), configRow('CAS_SERVER_CA_CERT_PATH', 0, '', 'CAS CA certificate')],
  },
  { version: 7076, what: 'a composite index on software', statements: ['ALTER TABLE software ADD KEY HARDWARE_ID_2 (HARDWARE_ID, NAME_ID, VERSION_ID)'] },
  {
    version: 7077,
    what: 'IP discovery reconciliation in SNMP configurations',
    statements: ['ALTER TABLE snmp_configs ADD COLUMN IPD_RECONCILIATION VARCHAR(255) DEFAULT NULL'],
  },
  { version: 7078, what: 'a setting linking SNMP devices to a TAG', statements: [configRow('SNMP_LINK_TAG', 0, '', 'SNMP device TAG link')] },
  {
    version: 7079,
    what: 'devices.TVALUE widened to TEXT (prefix index)',
    statements: [
      'ALTER TABLE devices DROP INDEX TVALUE',
      'ALTER TABLE devices MODIFY COLUMN TVALUE TEXT',
      'ALTER TABLE devices ADD INDEX TVALUE (TVALUE(255))',
    ],
  },
  {
    version: 7080,
    what: 'batteries recreated with the columns the 2.12 agent reports',
    statements: [
      'DROP TABLE batteries',
      `CREATE TABLE batteries (ID INT NOT NULL AUTO_INCREMENT, HARDWARE_ID INT NOT NULL, CHEMISTRY VARCHAR(20) DEFAULT NULL, CYCLES INT DEFAULT NULL,
        DESCRIPTION VARCHAR(10) DEFAULT 'N/A', DESIGNCAPACITY VARCHAR(10) DEFAULT NULL, DESIGNVOLTAGE VARCHAR(20) DEFAULT NULL,
        ESTIMATEDCHARGEREMAINING VARCHAR(255) DEFAULT NULL, MANUFACTURER VARCHAR(255) DEFAULT NULL, NAME VARCHAR(255) DEFAULT NULL,
        SERIALNUMBER VARCHAR(255) DEFAULT NULL, STATUS VARCHAR(255) DEFAULT NULL,
        PRIMARY KEY (ID), KEY HARDWARE_ID (HARDWARE_ID), KEY NAME (NAME), KEY MANUFACTURER (MANUFACTURER)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3`,
    ],
  },
  {
    version: 7081,
    what: 'IT management comments dated with a time',
    statements: ['ALTER TABLE itmgmt_comments MODIFY COLUMN DATE_INSERT DATETIME NULL AFTER USER_INSERT'],
  },
  {
    version: 7082,
    what: 'CVSS scores of CVE search results as numbers',
    statements: ['ALTER TABLE cve_search_computer MODIFY COLUMN CVSS DOUBLE(4,2) NOT NULL'],
  },
];

/** Runs every step in order on a 7069 database, each followed by its GUI_VERSION, as the console's update.php does. */
export async function updateTo7082(sql: (statement: string, params?: unknown[]) => Promise<unknown>): Promise<void> {
  for (const update of UPDATES_TO_7082) {
    for (const statement of update.statements) await sql(statement);
    await sql("UPDATE config SET TVALUE = ? WHERE NAME = 'GUI_VERSION'", [String(update.version)]);
  }
}
