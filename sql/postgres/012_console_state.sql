-- The last `dploy images verify` of each image (plugin/store/images.ts): when,
-- and ok or the first archive that differed, for the console and the API.
ALTER TABLE dploy_images ADD COLUMN verified_at TIMESTAMPTZ(3) NULL;
ALTER TABLE dploy_images ADD COLUMN verify_result VARCHAR(1024) NULL;
-- Failed console logins per user name and client address
-- (plugin/store/login-failures.ts): kept here so that a restart forgets nothing.
CREATE TABLE dploy_login_failures (
  user_name VARCHAR(64) NOT NULL,
  address VARCHAR(64) NOT NULL,
  failures INT NOT NULL,
  wait_until TIMESTAMPTZ(3) NOT NULL,
  failed_at TIMESTAMPTZ(3) NOT NULL,
  PRIMARY KEY (user_name, address)
);
CREATE INDEX ix_dploy_login_failures_failed_at ON dploy_login_failures (failed_at);
