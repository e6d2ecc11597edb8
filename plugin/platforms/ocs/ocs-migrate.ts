// `dploy migrate` with platform ocs: refuse a database that is not an OCS
// schema dploy can write (its version and its columns, ocs-database.ts)
// before creating anything, then dploy's own tables (in ocsweb), then the
// registration in OCS's administrative data.

import type { EntityManager } from 'typeorm';
import { checkOcsDatabase, type OcsSchemaOptions } from './ocs-database.js';
import { applySteps, planRegistration, stepSql } from './registration.js';
import type { Step } from './registration-step.js';

export interface OcsPlan {
  guiVersion: string;
  steps: Step[];
}

export async function planOcs(db: EntityManager, options: OcsSchemaOptions = {}): Promise<OcsPlan> {
  const { guiVersion } = await checkOcsDatabase(db, options);
  const profiles = await profileNames(db);
  return { guiVersion, steps: await planRegistration(db, profiles) };
}

export async function registerInOcs(db: EntityManager, options: OcsSchemaOptions = {}): Promise<Step[]> {
  const { steps } = await planOcs(db, options);
  await applySteps(db, steps);
  return steps;
}

export { stepSql };

/** dploy's profiles and images once its tables exist (a first migrate plans before creating them). */
async function profileNames(db: EntityManager): Promise<string[]> {
  const [exists] = (await db.query(
    "SELECT 1 AS x FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'dploy_profiles'",
  )) as unknown[];
  if (!exists) return [];
  return ((await db.query('SELECT name FROM dploy_profiles UNION SELECT name FROM dploy_images ORDER BY name')) as Array<{ name: string }>).map((r) => r.name);
}
