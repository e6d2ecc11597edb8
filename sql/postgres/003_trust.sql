-- Issue 20: an install job is bound to the address that fetched its boot
-- entry, and its answer file is served a bounded number of times.
ALTER TABLE dploy_jobs ADD COLUMN boot_address VARCHAR(64) NULL;
ALTER TABLE dploy_jobs ADD COLUMN answer_fetches INT NOT NULL DEFAULT 0;
