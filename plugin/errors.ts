// One error catalogue for every boundary (the Fastify way): a stable code that
// code branches on, the HTTP status it maps to, and whether retrying can help.
// Messages are written for the operator who has to act on them. docs/errors.md
// says per code what it means and what to do; test/unit/errors-catalogue.test.ts
// keeps the two in step and fails on a code used anywhere but not listed here.

export const ERRORS = {
  DPLOY_ERR_CONFIG: { status: 500, retryable: false },
  // Anything that is not a DployError, answered by plugin/web/errors.ts; the details go to the log only.
  DPLOY_ERR_INTERNAL: { status: 500, retryable: false },
  DPLOY_ERR_DATABASE_UNREACHABLE: { status: 503, retryable: true },
  DPLOY_ERR_DATABASE_BUSY: { status: 503, retryable: true },
  DPLOY_ERR_DATABASE_URL: { status: 500, retryable: false },
  DPLOY_ERR_MIGRATION: { status: 500, retryable: false },
  DPLOY_ERR_NOT_FOUND: { status: 404, retryable: false },
  DPLOY_ERR_CONFLICT: { status: 409, retryable: false },
  // The host tool is writing this machine (OCS's server holds its lock): the same post succeeds once it is done.
  // Its own code so that an agent retries this 409 and gives up at once on DPLOY_ERR_CONFLICT.
  DPLOY_ERR_MACHINE_LOCKED: { status: 409, retryable: true },
  DPLOY_ERR_INVALID_INPUT: { status: 400, retryable: false },
  DPLOY_ERR_UNAUTHORIZED: { status: 401, retryable: false },
  /** Known caller, but its role may not do this, or a console form came without its session's CSRF token. */
  DPLOY_ERR_FORBIDDEN: { status: 403, retryable: false },
  /** The operator's API asked for on the plain HTTP port while TLS is configured. */
  DPLOY_ERR_TLS_REQUIRED: { status: 403, retryable: false },
  DPLOY_ERR_RATE_LIMITED: { status: 429, retryable: true },
  DPLOY_ERR_PLATFORM: { status: 502, retryable: true },
  DPLOY_ERR_INVENTORY_INVALID: { status: 400, retryable: false },
  DPLOY_ERR_INVENTORY_TOO_LARGE: { status: 413, retryable: false },
  DPLOY_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false },
  DPLOY_ERR_TFTP: { status: 500, retryable: false },
  DPLOY_ERR_TFTP_ACCESS_DENIED: { status: 403, retryable: false },
  DPLOY_ERR_DHCP_REJECTED: { status: 500, retryable: false },
  DPLOY_ERR_DHCP_RELOAD: { status: 502, retryable: true },
  DPLOY_ERR_BOOT_CONFIG: { status: 500, retryable: false },
  // SSH (plugin/remote): a wrong password or key, or a changed host key, stays wrong until a person acts.
  DPLOY_ERR_SSH_AUTH: { status: 502, retryable: false },
  DPLOY_ERR_SSH_KEY: { status: 400, retryable: false },
  DPLOY_ERR_SSH_HOST_KEY: { status: 502, retryable: false },
  DPLOY_ERR_SSH_CONNECTION: { status: 502, retryable: true },
  // A command that ran out of time or failed is not run again behind the operator's back.
  DPLOY_ERR_SSH_TIMEOUT: { status: 504, retryable: false },
  DPLOY_ERR_SSH_EXIT_STATUS: { status: 502, retryable: false },
  // Images (plugin/images): a capture the machine could not give (tools missing, tar failed), a stored image that no longer matches its manifest.
  DPLOY_ERR_IMAGE_CAPTURE: { status: 502, retryable: false },
  DPLOY_ERR_IMAGE_CORRUPT: { status: 500, retryable: false },
  // BMC power (plugin/power): the five kinds of answer a BMC gives, as MAAS sorts them.
  DPLOY_ERR_BMC_AUTH: { status: 502, retryable: false },
  DPLOY_ERR_BMC_UNREACHABLE: { status: 504, retryable: true },
  DPLOY_ERR_BMC_BUSY: { status: 503, retryable: true },
  DPLOY_ERR_BMC_UNSUPPORTED: { status: 501, retryable: false },
  DPLOY_ERR_BMC: { status: 502, retryable: false },
  /** The BMC's TLS certificate is neither CA-signed nor the pinned one (plugin/power/bmc-tls.ts). */
  DPLOY_ERR_BMC_CERTIFICATE: { status: 502, retryable: false },
  /** The BMC accepted the command but the machine never reached the state (verify-after-action). */
  DPLOY_ERR_BMC_NOT_VERIFIED: { status: 504, retryable: true },
  // HP SIM's command line (plugin/platforms/sim): missing or not what dploy was written for, refused, or out of time.
  DPLOY_ERR_SIM_UNAVAILABLE: { status: 500, retryable: false },
  DPLOY_ERR_SIM_REFUSED: { status: 502, retryable: false },
  DPLOY_ERR_SIM_TIMEOUT: { status: 504, retryable: true },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class DployError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DployError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.retryable = ERRORS[code].retryable;
  }
}

export function isDployError(err: unknown, code?: ErrorCode): err is DployError {
  return err instanceof DployError && (code === undefined || err.code === code);
}
