// Renders a job's answer file (and the scripts it fetches) from Eta templates
// in pxe/answers/<kind>/, looked up most specific first, the MAAS way:
//   <kind>/<distro>-<release>-<arch>.eta, <kind>/<distro>-<release>.eta,
//   <kind>/<distro>.eta, <kind>/default.eta
// in the operator's directory, then the shipped one. Snippets
// (include('snippets/…')) resolve the same way, so an operator can override
// one snippet without copying a whole answer file. plugin/boot's
// template-lookup keys on loader and boot state, so it is not reused here.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Eta } from 'eta';
import { DployError } from '../../errors.js';
import { shipped } from '../../package-root.js';
import { answerData, type AnswerData, type AnswerInputs } from './answer-context.js';

export const SHIPPED_ANSWER_DIR = shipped('pxe/answers/');

/** The answer file itself, or one of the files it fetches from /answers/<token>/<part>. */
export type AnswerPart = 'answer' | 'post.sh' | 'callback.sh' | 'meta-data';

/** The names under /answers/<token>/ (subiquity's NoCloud seed fetches user-data: the answer itself). */
export const ANSWER_PART_NAMES: Readonly<Record<string, AnswerPart>> = {
  'post.sh': 'post.sh',
  'callback.sh': 'callback.sh',
  'meta-data': 'meta-data',
  'user-data': 'answer',
};

export interface RenderOptions {
  /** Operator's answer template directory, searched first. */
  overrideDir?: string;
}

function directories(o: RenderOptions): string[] {
  return [o.overrideDir, SHIPPED_ANSWER_DIR].filter((d): d is string => !!d);
}

export function answerTemplateCandidates(d: AnswerData, part: AnswerPart): string[] {
  if (part !== 'answer') return [`snippets/${part}.eta`];
  const { answerKind: kind, distro, release, arch } = d.entry;
  return [`${kind}/${distro}-${release}-${arch}.eta`, `${kind}/${distro}-${release}.eta`, `${kind}/${distro}.eta`, `${kind}/default.eta`];
}

function find(names: string[], dirs: string[]): string {
  const tried = dirs.flatMap((dir) => names.map((name) => join(dir, name)));
  const found = tried.find((path) => existsSync(path));
  if (!found) throw new DployError('DPLOY_ERR_BOOT_CONFIG', `no answer template; add one of these files:\n  ${tried.join('\n  ')}`);
  return found;
}

export function renderAnswerData(data: AnswerData, part: AnswerPart, options: RenderOptions = {}): string {
  const dirs = directories(options);
  const eta = new Eta({ autoEscape: false, autoTrim: false, cache: false, views: dirs.at(-1)! });
  // include('snippets/x') and the top template both go through the same lookup.
  eta.resolvePath = (template) => (template.startsWith('/') ? template : find([template.replace(/^\.\//, '').replace(/(\.eta)?$/, '.eta')], dirs));
  const top = find(answerTemplateCandidates(data, part), dirs);
  try {
    return eta.render(top, data);
  } catch (err) {
    if (err instanceof DployError) throw err;
    // Eta names the failing file (an included snippet too); an operator's typo must say where, not "internal error".
    throw new DployError('DPLOY_ERR_BOOT_CONFIG', `answer template ${top} does not render: ${(err as Error).message}`, { cause: err });
  }
}

export function renderAnswerFile(x: AnswerInputs & RenderOptions, part: AnswerPart = 'answer'): string {
  return renderAnswerData(answerData(x), part, x);
}
