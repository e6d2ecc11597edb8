// The dploy_* tables as TypeScript sees them. The DDL in sql/<dialect>/ is
// the source of truth for the database; these descriptions feed the typeorm
// entities, and test/integration/store/schema-drift.test.ts proves on all
// three databases that both say the same thing.

export type ColumnType = 'int' | 'bigint' | 'varchar' | 'char' | 'text' | 'blob' | 'datetime';

export interface ColumnSpec {
  type: ColumnType;
  length?: number;
  nullable?: boolean;
  primary?: boolean;
  generated?: boolean;
  default?: string | number;
}

export interface TableSpec {
  table: string;
  /** Entity name used with typeorm's repositories. */
  entity: string;
  columns: Record<string, ColumnSpec>;
}

const id: ColumnSpec = { type: 'int', primary: true, generated: true };
const at: ColumnSpec = { type: 'datetime' };
const atOptional: ColumnSpec = { type: 'datetime', nullable: true };
const str = (length: number, nullable = false): ColumnSpec => ({ type: 'varchar', length, nullable });

export const TABLES = [
  {
    table: 'dploy_hosts',
    entity: 'Host',
    columns: {
      id,
      name: str(255),
      uuid: { type: 'char', length: 36, nullable: true },
      serial: str(255, true),
      arch: str(16, true),
      firmware: str(8, true),
      bmc_address: str(255, true),
      boot_state: { type: 'varchar', length: 16, default: 'localboot' },
      boot_profile: str(255, true),
      boot_image: str(255, true),
      task: str(16, true),
      task_profile: str(255, true),
      task_set_at: atOptional,
      status: str(255, true),
      platform_ref: str(64, true),
      created_at: at,
      updated_at: at,
      boot_mac: { type: 'char', length: 17, nullable: true },
      boot_mac_source: str(8, true),
    },
  },
  {
    table: 'dploy_host_macs',
    entity: 'HostMac',
    columns: {
      mac: { type: 'char', length: 17, primary: true },
      host_id: { type: 'int' },
      position: { type: 'int', default: 0 },
      interface: str(64, true),
    },
  },
  {
    table: 'dploy_inventories',
    entity: 'InventoryDocument',
    columns: {
      id,
      host_id: { type: 'int' },
      received_at: at,
      format: str(8),
      source: str(64),
      sha256: { type: 'char', length: 64 },
      size_bytes: { type: 'int' },
      document: { type: 'blob' },
    },
  },
  {
    table: 'dploy_profiles',
    entity: 'Profile',
    columns: {
      id,
      name: str(128),
      distro: str(64),
      release_name: str(32),
      arch: str(16),
      definition: { type: 'text' },
      created_at: at,
      updated_at: at,
    },
  },
  {
    table: 'dploy_images',
    entity: 'Image',
    columns: {
      id,
      name: str(128),
      kind: str(16),
      location: str(1024),
      host_id: { type: 'int', nullable: true },
      size_bytes: { type: 'bigint', nullable: true },
      created_at: at,
      verified_at: atOptional,
      verify_result: str(1024, true),
    },
  },
  {
    table: 'dploy_jobs',
    entity: 'Job',
    columns: {
      id,
      host_id: { type: 'int' },
      kind: str(16),
      state: str(32),
      profile: str(128, true),
      image: str(128, true),
      token: str(64, true),
      attempts: { type: 'int', default: 0 },
      lease_owner: str(128, true),
      lease_until: atOptional,
      message: str(1024, true),
      state_entered_at: at,
      created_at: at,
      updated_at: at,
      finished_at: atOptional,
      boot_mac: { type: 'char', length: 17, nullable: true },
      boot_address: str(64, true),
      answer_fetches: { type: 'int', default: 0 },
    },
  },
  {
    table: 'dploy_job_events',
    entity: 'JobEvent',
    columns: {
      id,
      job_id: { type: 'int' },
      at,
      from_state: str(32, true),
      to_state: str(32),
      message: str(2048),
      actor: str(128),
    },
  },
  {
    table: 'dploy_groups',
    entity: 'Group',
    columns: { id, name: str(128), description: str(1024, true), created_at: at },
  },
  {
    table: 'dploy_group_members',
    entity: 'GroupMember',
    columns: { group_id: { type: 'int', primary: true }, host_id: { type: 'int', primary: true } },
  },
  {
    table: 'dploy_settings',
    entity: 'Setting',
    columns: { name: { type: 'varchar', length: 128, primary: true }, value: { type: 'text' }, updated_at: at },
  },
  {
    table: 'dploy_api_tokens',
    entity: 'ApiToken',
    columns: {
      id,
      name: str(128),
      token_hash: { type: 'char', length: 64 },
      created_at: at,
      last_used_at: atOptional,
      role: { type: 'varchar', length: 16, default: 'admin' },
    },
  },
  {
    table: 'dploy_remote_access',
    entity: 'RemoteAccess',
    columns: {
      id,
      host_id: { type: 'int', nullable: true },
      group_id: { type: 'int', nullable: true },
      address: str(255, true),
      port: { type: 'int', nullable: true },
      ssh_user: str(64, true),
      password: { type: 'text', nullable: true },
      private_key: { type: 'text', nullable: true },
      passphrase: { type: 'text', nullable: true },
      concurrency: { type: 'int', nullable: true },
      updated_at: at,
    },
  },
  {
    table: 'dploy_ssh_host_keys',
    entity: 'SshHostKey',
    columns: { endpoint: { type: 'varchar', length: 255, primary: true }, fingerprint: str(128), offered_fingerprint: str(128, true), pinned_at: at },
  },
  {
    table: 'dploy_remote_commands',
    entity: 'RemoteCommand',
    columns: {
      host_id: { type: 'int', primary: true },
      command: { type: 'text' },
      group_id: { type: 'int', nullable: true },
      running_job_id: { type: 'int', nullable: true },
      set_at: at,
    },
  },
  {
    table: 'dploy_image_engines',
    entity: 'ImageEngine',
    columns: { host_id: { type: 'int', primary: true }, engine: str(16), set_at: at },
  },
  {
    table: 'dploy_host_bmcs',
    entity: 'HostBmc',
    columns: {
      host_id: { type: 'int', primary: true },
      driver: str(16),
      address: str(255),
      port: { type: 'int' },
      bmc_user: str(64),
      password_sealed: { type: 'text' },
      updated_at: at,
      options: str(64, true),
      cert_sha256: str(95, true),
    },
  },
  {
    table: 'dploy_group_bmcs',
    entity: 'GroupBmc',
    columns: {
      group_id: { type: 'int', primary: true },
      driver: str(16),
      port: { type: 'int', nullable: true },
      bmc_user: str(64),
      password_sealed: { type: 'text' },
      options: str(64, true),
      updated_at: at,
    },
  },
  {
    table: 'dploy_host_bmc_learned',
    entity: 'HostBmcLearned',
    columns: { host_id: { type: 'int', primary: true }, address: str(64), mac: str(17, true), learned_at: at },
  },
  {
    table: 'dploy_users',
    entity: 'User',
    columns: { id, name: str(64), role: str(16), password_hash: str(255), created_at: at, updated_at: at },
  },
  {
    table: 'dploy_sessions',
    entity: 'Session',
    columns: {
      id_hash: { type: 'char', length: 64, primary: true },
      user_id: { type: 'int' },
      csrf_token: { type: 'char', length: 43 },
      created_at: at,
      expires_at: at,
    },
  },
  {
    table: 'dploy_audit_log',
    entity: 'AuditEntry',
    columns: { id, at, actor: str(128), action: str(32), target: str(255), detail: str(1024, true) },
  },
  {
    table: 'dploy_login_failures',
    entity: 'LoginFailure',
    columns: {
      user_name: { type: 'varchar', length: 64, primary: true },
      address: { type: 'varchar', length: 64, primary: true },
      failures: { type: 'int' },
      wait_until: at,
      failed_at: at,
    },
  },
] as const satisfies readonly TableSpec[];

export type TableName = (typeof TABLES)[number]['table'];
