// The power capability's contract (MAAS's power drivers, bmclib's providers):
// a driver only speaks to one BMC; serialising, retrying and verifying live
// once in power-control.ts, so a driver stays a translation of five verbs.

export type PowerState = 'on' | 'off';
/** cycle: off then on (the machine must be on); reset: warm reset, no power loss. */
export type PowerAction = 'on' | 'off' | 'cycle' | 'reset';
/** Boot mode for the one-time network boot: legacy BIOS or UEFI (IPMI "efiboot", Redfish BootSourceOverrideMode). */
export type Firmware = 'bios' | 'uefi';

export type PowerDriverName = 'ipmi' | 'redfish' | 'ribcl';

/** One BMC as dploy reaches it. The password only ever travels in this object and the child's environment. */
export interface BmcTarget {
  driver: PowerDriverName;
  address: string;
  port?: number;
  user: string;
  password: string;
  /** How far to trust the BMC's TLS endpoint (Redfish, RIBCL); set per BMC, never globally. */
  tls?: BmcTls;
}

/**
 * A BMC's TLS trust, chosen by the operator for that BMC alone. Without a pin,
 * the certificate must be signed by a CA the system trusts and name the
 * address; with one, it must be exactly the pinned certificate.
 */
export interface BmcTls {
  /** SHA-256 of the certificate (DER), colon hex as `openssl x509 -fingerprint -sha256` prints it. */
  pinnedSha256?: string;
  /** Lab BMCs only: any certificate is accepted. */
  insecure?: boolean;
  /** Old iLO firmware that speaks TLS 1.0 only: allowed on this connection, with OpenSSL's legacy security level. */
  legacyTls10?: boolean;
}

/** A setting a driver needs, declared so the CLI and console can ask for it and hide secrets. */
export interface DriverSetting {
  name: 'address' | 'port' | 'user' | 'password';
  label: string;
  secret: boolean;
  default?: string;
}

export interface PowerDriver {
  readonly name: PowerDriverName;
  readonly settings: readonly DriverSetting[];
  /** Host tools the driver runs and could not find (MAAS's "missing packages"); empty when ready. */
  missingTools(): Promise<string[]>;
  /** Throws DployError with a DPLOY_ERR_BMC_* code; budgetMs bounds the whole call, retries included. */
  status(bmc: BmcTarget, budgetMs: number): Promise<PowerState>;
  act(bmc: BmcTarget, action: PowerAction, budgetMs: number): Promise<void>;
  /** Next boot only from the network, in the given firmware mode. */
  pxeOnce(bmc: BmcTarget, firmware: Firmware, budgetMs: number): Promise<void>;
}

/** A stable key per BMC: one command in flight per key. */
export function bmcKey(bmc: BmcTarget): string {
  return `${bmc.driver}://${bmc.address}:${bmc.port ?? ''}`;
}
