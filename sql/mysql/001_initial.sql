-- dploy's own tables on MariaDB/MySQL (also inside OCS Inventory's ocsweb).
-- Times are UTC (the connection sets time_zone '+00:00').

CREATE TABLE dploy_hosts (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
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
  task_set_at DATETIME(3) NULL,
  status VARCHAR(255) NULL,
  platform_ref VARCHAR(64) NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  CONSTRAINT uq_dploy_hosts_name UNIQUE (name),
  INDEX ix_dploy_hosts_uuid (uuid),
  INDEX ix_dploy_hosts_serial (serial),
  INDEX ix_dploy_hosts_task (task)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE dploy_host_macs (
  mac CHAR(17) NOT NULL PRIMARY KEY,
  host_id INT NOT NULL,
  position INT NOT NULL DEFAULT 0,
  interface VARCHAR(64) NULL,
  INDEX ix_dploy_host_macs_host (host_id),
  CONSTRAINT fk_dploy_host_macs_host FOREIGN KEY (host_id) REFERENCES dploy_hosts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE dploy_inventories (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  host_id INT NOT NULL,
  received_at DATETIME(3) NOT NULL,
  format VARCHAR(8) NOT NULL,
  source VARCHAR(64) NOT NULL,
  sha256 CHAR(64) NOT NULL,
  size_bytes INT NOT NULL,
  document MEDIUMBLOB NOT NULL,
  INDEX ix_dploy_inventories_host (host_id, received_at),
  CONSTRAINT fk_dploy_inventories_host FOREIGN KEY (host_id) REFERENCES dploy_hosts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE dploy_profiles (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(128) NOT NULL,
  distro VARCHAR(64) NOT NULL,
  release_name VARCHAR(32) NOT NULL,
  arch VARCHAR(16) NOT NULL,
  definition TEXT NOT NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  CONSTRAINT uq_dploy_profiles_name UNIQUE (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE dploy_images (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(128) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  location VARCHAR(1024) NOT NULL,
  host_id INT NULL,
  size_bytes BIGINT NULL,
  created_at DATETIME(3) NOT NULL,
  CONSTRAINT uq_dploy_images_name UNIQUE (name),
  CONSTRAINT fk_dploy_images_host FOREIGN KEY (host_id) REFERENCES dploy_hosts (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE dploy_jobs (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  host_id INT NOT NULL,
  kind VARCHAR(16) NOT NULL,
  state VARCHAR(32) NOT NULL,
  profile VARCHAR(128) NULL,
  image VARCHAR(128) NULL,
  token VARCHAR(64) NULL,
  attempts INT NOT NULL DEFAULT 0,
  lease_owner VARCHAR(128) NULL,
  lease_until DATETIME(3) NULL,
  message VARCHAR(1024) NULL,
  state_entered_at DATETIME(3) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  finished_at DATETIME(3) NULL,
  CONSTRAINT uq_dploy_jobs_token UNIQUE (token),
  INDEX ix_dploy_jobs_host (host_id),
  INDEX ix_dploy_jobs_state (state, lease_until),
  CONSTRAINT fk_dploy_jobs_host FOREIGN KEY (host_id) REFERENCES dploy_hosts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE dploy_job_events (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  job_id INT NOT NULL,
  at DATETIME(3) NOT NULL,
  from_state VARCHAR(32) NULL,
  to_state VARCHAR(32) NOT NULL,
  message VARCHAR(2048) NOT NULL,
  actor VARCHAR(128) NOT NULL,
  INDEX ix_dploy_job_events_job (job_id, id),
  CONSTRAINT fk_dploy_job_events_job FOREIGN KEY (job_id) REFERENCES dploy_jobs (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE dploy_groups (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(128) NOT NULL,
  description VARCHAR(1024) NULL,
  created_at DATETIME(3) NOT NULL,
  CONSTRAINT uq_dploy_groups_name UNIQUE (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE dploy_group_members (
  group_id INT NOT NULL,
  host_id INT NOT NULL,
  PRIMARY KEY (group_id, host_id),
  INDEX ix_dploy_group_members_host (host_id),
  CONSTRAINT fk_dploy_group_members_group FOREIGN KEY (group_id) REFERENCES dploy_groups (id) ON DELETE CASCADE,
  CONSTRAINT fk_dploy_group_members_host FOREIGN KEY (host_id) REFERENCES dploy_hosts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE dploy_settings (
  name VARCHAR(128) NOT NULL PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE dploy_api_tokens (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(128) NOT NULL,
  token_hash CHAR(64) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  last_used_at DATETIME(3) NULL,
  CONSTRAINT uq_dploy_api_tokens_hash UNIQUE (token_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
