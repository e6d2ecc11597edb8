-- Console accounts (plugin/store/users.ts): local users with a role and an
-- scrypt password hash whose parameters are kept in the hash string.
CREATE TABLE dploy_users (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  role VARCHAR(16) NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  CONSTRAINT uq_dploy_users_name UNIQUE (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- Console sessions (plugin/store/sessions.ts): only the SHA-256 of the cookie
-- value is kept, so a copy of the database opens no session.
CREATE TABLE dploy_sessions (
  id_hash CHAR(64) NOT NULL PRIMARY KEY,
  user_id INT NOT NULL,
  csrf_token CHAR(43) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  CONSTRAINT fk_dploy_sessions_user FOREIGN KEY (user_id) REFERENCES dploy_users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX ix_dploy_sessions_user ON dploy_sessions (user_id);
-- Who did what from the console, the API or the CLI (plugin/store/audit-log.ts).
CREATE TABLE dploy_audit_log (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at DATETIME(3) NOT NULL,
  actor VARCHAR(128) NOT NULL,
  action VARCHAR(32) NOT NULL,
  target VARCHAR(255) NOT NULL,
  detail VARCHAR(1024) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX ix_dploy_audit_log_at ON dploy_audit_log (at);
-- API tokens carry a role; tokens made before roles existed keep what they could do: everything (admin).
ALTER TABLE dploy_api_tokens ADD COLUMN role VARCHAR(16) NOT NULL DEFAULT 'admin';
