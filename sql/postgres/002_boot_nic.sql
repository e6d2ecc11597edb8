-- The boot NIC (docs/pxe.md, "The boot NIC"): the MAC a job's boot entry was
-- served to, and the host's boot NIC with how dploy learned it ('seen' in a
-- boot request or the BOOTIF posted at discovery, 'manual' from hosts add).
-- No value means dploy guesses the host's first MAC.

ALTER TABLE dploy_hosts ADD COLUMN boot_mac CHAR(17) NULL;
ALTER TABLE dploy_hosts ADD COLUMN boot_mac_source VARCHAR(8) NULL;
ALTER TABLE dploy_jobs ADD COLUMN boot_mac CHAR(17) NULL;
