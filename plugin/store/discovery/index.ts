// The discovery write path as the platforms use it: an intake prepared
// from an inventory, written alone (recordIntake) or in a group of machines
// (createDiscoveryIntake: MariaDB batches, group commit, the identity probe),
// with the host tool's rows joining the group's batch. Everything else in
// this folder is the machinery behind these few names.

export { createDiscoveryIntake, type DiscoveryIntakeOptions, type GroupMachine, type HostToolRows } from './discovery-group.js';
export { prepareIntake, recordIntake, type Intake } from './machines.js';
export { SqlBatch, type SqlRow, type SqlValue } from './sql-batch.js';
export { candidateLookups } from './host-identity.js';
