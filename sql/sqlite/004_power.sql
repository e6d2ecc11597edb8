-- BMC power (plugin/power): how dploy reaches a machine's BMC. The password is
-- sealed (AES-256-GCM, installers.secretKeyFile), never stored in clear.
CREATE TABLE dploy_host_bmcs (
  host_id INT NOT NULL PRIMARY KEY,
  driver VARCHAR(16) NOT NULL,
  address VARCHAR(255) NOT NULL,
  port INT NOT NULL,
  bmc_user VARCHAR(64) NOT NULL,
  password_sealed TEXT NOT NULL,
  updated_at DATETIME NOT NULL,
  CONSTRAINT fk_dploy_host_bmcs_host FOREIGN KEY (host_id) REFERENCES dploy_hosts (id) ON DELETE CASCADE
);
