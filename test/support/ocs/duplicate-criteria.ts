// Configuration → General configuration → Server → "Duplicates: automatic
// merge on" (ocsreports plugins/main_sections/ms_config, form modif_onglet):
// six tick boxes whose weights add up to config AUTO_DUPLICATE_LVL
// (require/function_config_generale.php auto_duplicate_lvl_poids).

import type { OcsConsole } from './console.js';

export const DUPLICATE_CRITERIA = ['HOSTNAME', 'SERIAL', 'MACADDRESS', 'MODEL', 'UUID', 'ASSETTAG'] as const;
export type DuplicateCriterion = (typeof DUPLICATE_CRITERIA)[number];

const PATH = 'index.php?function=admin_conf';

/** Ticks exactly these criteria on the Server tab and presses Update. */
export async function setDuplicateCriteria(console: OcsConsole, criteria: readonly DuplicateCriterion[]): Promise<void> {
  const tab = await console.submit(PATH, 'modif_onglet', { onglet: 'SERVER' });
  const boxes = Object.fromEntries(DUPLICATE_CRITERIA.map((c, i) => [`AUTO_DUPLICATE_LVL_${i + 1}`, criteria.includes(c)]));
  await console.submit(PATH, 'modif_onglet', { onglet: 'SERVER', ...boxes }, 'Valid', tab);
}

/** The criteria a level stands for (1 hostname, 2 serial, 4 MAC, 8 model, 16 UUID, 32 asset tag). */
export function criteriaOf(level: number): DuplicateCriterion[] {
  return DUPLICATE_CRITERIA.filter((_, i) => (level & (1 << i)) !== 0);
}
