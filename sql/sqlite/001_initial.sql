-- dploy's own tables on SQLite, the embedded default. Foreign keys need
-- PRAGMA foreign_keys=ON, which the store sets on every connection.

CREATE TABLE dploy_hosts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name VARCHAR(255) NOT NULL,
  uuid CHAR(36) NULL,
  serial VARCHAR(255) NULL,
  arch VARCHAR(16) NULL,
  firmware VARCHAR(8) NULL,
  bmc_address VARCHAR(255) NULL,
  boot_state VARCHAR(16) NOT NULL DEFAULT 'localboot',
  boot_profile VARCHAR(255) NULL,
  boot_image VARCHAR(255) NULL,
  task VARCHAR(16) NULL,
  task_profile VARCHAR(255) NULL,
  task_set_at DATETIME NULL,
  status VARCHAR(255) NULL,
  platform_ref VARCHAR(64) NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  CONSTRAINT uq_dploy_hosts_name UNIQUE (name)
);

CREATE TABLE dploy_host_macs (
  mac CHAR(17) NOT NULL PRIMARY KEY,
  host_id INT NOT NULL,
  position INT NOT NULL DEFAULT 0,
  interface VARCHAR(64) NULL,
  CONSTRAINT fk_dploy_host_macs_host FOREIGN KEY (host_id) REFERENCES dploy_hosts (id) ON DELETE CASCADE
);

CREATE TABLE dploy_inventories (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  host_id INT NOT NULL,
  received_at DATETIME NOT NULL,
  format VARCHAR(8) NOT NULL,
  source VARCHAR(64) NOT NULL,
  sha256 CHAR(64) NOT NULL,
  size_bytes INT NOT NULL,
  document BLOB NOT NULL,
  CONSTRAINT fk_dploy_inventories_host FOREIGN KEY (host_id) REFERENCES dploy_hosts (id) ON DELETE CASCADE
);

CREATE TABLE dploy_profiles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name VARCHAR(128) NOT NULL,
  distro VARCHAR(64) NOT NULL,
  release_name VARCHAR(32) NOT NULL,
  arch VARCHAR(16) NOT NULL,
  definition TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  CONSTRAINT uq_dploy_profiles_name UNIQUE (name)
);

CREATE TABLE dploy_images (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name VARCHAR(128) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  location VARCHAR(1024) NOT NULL,
  host_id INT NULL,
  size_bytes BIGINT NULL,
  created_at DATETIME NOT NULL,
  CONSTRAINT uq_dploy_images_name UNIQUE (name),
  CONSTRAINT fk_dploy_images_host FOREIGN KEY (host_id) REFERENCES dploy_hosts (id) ON DELETE SET NULL
);

CREATE TABLE dploy_jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  host_id INT NOT NULL,
  kind VARCHAR(16) NOT NULL,
  state VARCHAR(32) NOT NULL,
  profile VARCHAR(128) NULL,
  image VARCHAR(128) NULL,
  token VARCHAR(64) NULL,
  attempts INT NOT NULL DEFAULT 0,
  lease_owner VARCHAR(128) NULL,
  lease_until DATETIME NULL,
  message VARCHAR(1024) NULL,
  state_entered_at DATETIME NOT NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  finished_at DATETIME NULL,
  CONSTRAINT uq_dploy_jobs_token UNIQUE (token),
  CONSTRAINT fk_dploy_jobs_host FOREIGN KEY (host_id) REFERENCES dploy_hosts (id) ON DELETE CASCADE
);

CREATE TABLE dploy_job_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id INT NOT NULL,
  at DATETIME NOT NULL,
  from_state VARCHAR(32) NULL,
  to_state VARCHAR(32) NOT NULL,
  message VARCHAR(2048) NOT NULL,
  actor VARCHAR(128) NOT NULL,
  CONSTRAINT fk_dploy_job_events_job FOREIGN KEY (job_id) REFERENCES dploy_jobs (id) ON DELETE CASCADE
);

CREATE TABLE dploy_groups (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name VARCHAR(128) NOT NULL,
  description VARCHAR(1024) NULL,
  created_at DATETIME NOT NULL,
  CONSTRAINT uq_dploy_groups_name UNIQUE (name)
);

CREATE TABLE dploy_group_members (
  group_id INT NOT NULL,
  host_id INT NOT NULL,
  PRIMARY KEY (group_id, host_id),
  CONSTRAINT fk_dploy_group_members_group FOREIGN KEY (group_id) REFERENCES dploy_groups (id) ON DELETE CASCADE,
  CONSTRAINT fk_dploy_group_members_host FOREIGN KEY (host_id) REFERENCES dploy_hosts (id) ON DELETE CASCADE
);

CREATE TABLE dploy_settings (
  name VARCHAR(128) NOT NULL PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at DATETIME NOT NULL
);

CREATE TABLE dploy_api_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name VARCHAR(128) NOT NULL,
  token_hash CHAR(64) NOT NULL,
  created_at DATETIME NOT NULL,
  last_used_at DATETIME NULL,
  CONSTRAINT uq_dploy_api_tokens_hash UNIQUE (token_hash)
);

CREATE INDEX ix_dploy_hosts_uuid ON dploy_hosts (uuid);
CREATE INDEX ix_dploy_hosts_serial ON dploy_hosts (serial);
CREATE INDEX ix_dploy_hosts_task ON dploy_hosts (task);
CREATE INDEX ix_dploy_host_macs_host ON dploy_host_macs (host_id);
CREATE INDEX ix_dploy_inventories_host ON dploy_inventories (host_id, received_at);
CREATE INDEX ix_dploy_jobs_host ON dploy_jobs (host_id);
CREATE INDEX ix_dploy_jobs_state ON dploy_jobs (state, lease_until);
CREATE INDEX ix_dploy_job_events_job ON dploy_job_events (job_id, id);
CREATE INDEX ix_dploy_group_members_host ON dploy_group_members (host_id);
