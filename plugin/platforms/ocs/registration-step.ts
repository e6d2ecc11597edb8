// One change dploy's registration makes to OCS's database (an admin data
// field, a select value, an index, a table OCS's own server needs): said to
// the operator before it runs (`dploy migrate --dry-run`), then run.

export interface Step {
  /** What it does, for the operator. */
  summary: string;
  sql: string;
  params: Array<string | number>;
}
