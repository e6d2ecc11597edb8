-- SSH access (plugin/remote): credentials per host or as a group default,
-- secrets sealed by dploy (secret-box); host keys pinned on first use; the
-- command a `command` task runs.

CREATE TABLE dploy_remote_access (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  host_id INT NULL,
  group_id INT NULL,
  address VARCHAR(255) NULL,
  port INT NULL,
  ssh_user VARCHAR(64) NULL,
  password TEXT NULL,
  private_key TEXT NULL,
  passphrase TEXT NULL,
  concurrency INT NULL,
  updated_at DATETIME NOT NULL,
  CONSTRAINT uq_dploy_remote_access_host UNIQUE (host_id),
  CONSTRAINT uq_dploy_remote_access_group UNIQUE (group_id),
  CONSTRAINT fk_dploy_remote_access_host FOREIGN KEY (host_id) REFERENCES dploy_hosts (id) ON DELETE CASCADE,
  CONSTRAINT fk_dploy_remote_access_group FOREIGN KEY (group_id) REFERENCES dploy_groups (id) ON DELETE CASCADE
);

CREATE TABLE dploy_ssh_host_keys (
  endpoint VARCHAR(255) NOT NULL PRIMARY KEY,
  fingerprint VARCHAR(128) NOT NULL,
  offered_fingerprint VARCHAR(128) NULL,
  pinned_at DATETIME NOT NULL
);

CREATE TABLE dploy_remote_commands (
  host_id INT NOT NULL PRIMARY KEY,
  command TEXT NOT NULL,
  group_id INT NULL,
  running_job_id INT NULL,
  set_at DATETIME NOT NULL,
  CONSTRAINT fk_dploy_remote_commands_host FOREIGN KEY (host_id) REFERENCES dploy_hosts (id) ON DELETE CASCADE
);

CREATE INDEX ix_dploy_remote_commands_group ON dploy_remote_commands (group_id);
