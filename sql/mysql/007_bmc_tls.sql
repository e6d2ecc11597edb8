-- BMC TLS trust (plugin/power/bmc-tls.ts), per BMC: options chosen by the
-- operator in the address (`tls=1.0`, `insecure`), and the SHA-256 of the
-- certificate the operator pinned (`dploy hosts accept-cert`).
ALTER TABLE dploy_host_bmcs ADD COLUMN options VARCHAR(64) NULL;
ALTER TABLE dploy_host_bmcs ADD COLUMN cert_sha256 VARCHAR(95) NULL;
