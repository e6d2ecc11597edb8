-- Per-group BMC defaults (plugin/store/group-bmcs.ts): the driver, user, sealed
-- password and options a member host uses when it has a BMC address but no
-- credentials of its own. The password is sealed like dploy_host_bmcs'.
CREATE TABLE dploy_group_bmcs (
  group_id INT NOT NULL PRIMARY KEY,
  driver VARCHAR(16) NOT NULL,
  port INT NULL,
  bmc_user VARCHAR(64) NOT NULL,
  password_sealed TEXT NOT NULL,
  options VARCHAR(64) NULL,
  updated_at TIMESTAMPTZ(3) NOT NULL,
  CONSTRAINT fk_dploy_group_bmcs_group FOREIGN KEY (group_id) REFERENCES dploy_groups (id) ON DELETE CASCADE
);
-- A BMC address the discovery agent read with `ipmitool lan print`: kept apart
-- from dploy_hosts.bmc_address so that it can never overwrite the operator's.
CREATE TABLE dploy_host_bmc_learned (
  host_id INT NOT NULL PRIMARY KEY,
  address VARCHAR(64) NOT NULL,
  mac VARCHAR(17) NULL,
  learned_at TIMESTAMPTZ(3) NOT NULL,
  CONSTRAINT fk_dploy_host_bmc_learned_host FOREIGN KEY (host_id) REFERENCES dploy_hosts (id) ON DELETE CASCADE
);
