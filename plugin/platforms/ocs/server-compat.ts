// Debian 12 ships ocsinventory-server 2.8.1 with ocsinventory-reports 2.11.1,
// whose schema update 7040 drops table `unixusers`. The 2.8.1 server still
// lists it among the per-computer tables it empties when it merges a
// duplicate (Duplicate.pm, DATA_MAP unixusers, delOnReplace), so on a stock
// install every merge fails ("duplicate;replacing_error" in activity.log) and
// a reinstalled machine shows up twice. dploy depends on that merge (the
// installed system's agent must land on the computer dploy discovered), so
// its migration recreates the table, empty, with the columns the server's
// Map.pm writes. Nothing in the console reads it.

import type { EntityManager } from 'typeorm';
import type { Step } from './registration-step.js';

const UNIXUSERS = `CREATE TABLE IF NOT EXISTS unixusers (
  ID INT(11) NOT NULL AUTO_INCREMENT,
  HARDWARE_ID INT(11) NOT NULL,
  ID_USERS VARCHAR(255) DEFAULT NULL,
  GID_USERS VARCHAR(255) DEFAULT NULL,
  NAME_USERS VARCHAR(255) DEFAULT NULL,
  HOME_USERS VARCHAR(255) DEFAULT NULL,
  SHELL_USERS VARCHAR(255) DEFAULT NULL,
  LOGIN_USERS VARCHAR(255) DEFAULT NULL,
  GROUP_USERS VARCHAR(255) DEFAULT NULL,
  ID_GROUP VARCHAR(255) DEFAULT NULL,
  NAME_GROUP VARCHAR(255) DEFAULT NULL,
  MEMBER_GROUP VARCHAR(255) DEFAULT NULL,
  PRIMARY KEY (ID, HARDWARE_ID)
) ENGINE=InnoDB`;

export async function serverCompatSteps(db: EntityManager): Promise<Step[]> {
  const [present] = (await db.query("SELECT 1 AS x FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'unixusers'")) as unknown[];
  if (present) return [];
  return [
    {
      summary:
        "recreate table unixusers, which OCS's server 2.8.1 still empties when it merges a duplicate (the console's update 7040 dropped it, so every merge failed)",
      sql: UNIXUSERS,
      params: [],
    },
  ];
}
