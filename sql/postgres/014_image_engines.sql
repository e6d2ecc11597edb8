-- The capture engine an image task was set with (plugin/store/image-engines.ts):
-- a row only for `--engine mondo`; no row is dploy's own tar+zstd. Kept beside
-- the task, as a command task's command is, since the host tools' task fields
-- carry one name (the image's) and no options.
CREATE TABLE dploy_image_engines (
  host_id INT NOT NULL PRIMARY KEY,
  engine VARCHAR(16) NOT NULL,
  set_at TIMESTAMPTZ(3) NOT NULL,
  CONSTRAINT fk_dploy_image_engines_host FOREIGN KEY (host_id) REFERENCES dploy_hosts (id) ON DELETE CASCADE
);
