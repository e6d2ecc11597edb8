// dploy's tools in SIM, as a tool definition file (toollist.dtd, published in
// mxtool(4) and the Technical Reference Guide). Each is an MSA command tool:
// SIM runs it once, on the CMS, for all the systems the operator selected
// (mxtool(4), "Tool Types"), which is what a task set on a collection needs.
// Its command is dploy's entry point; SIM passes the targets in MX_TARGETS and
// the operator in MX_USER (CLI Guide, "Target execution environment").

import { escapeXml, readXmlElements } from './xml-elements.js';
import { DployError } from '../../errors.js';

export const SIM_TASKS = ['install', 'restore', 'image', 'localboot', 'discover', 'forget'] as const;
export type SimTask = (typeof SIM_TASKS)[number];

export interface SimTool {
  /** 1 to 256 characters, a letter first, then letters, digits, spaces or - . ( ) _ (7.2 TRG p. 474): no colon. */
  name: string;
  description: string;
  command: string;
  executionSystem: string;
}

const ARGUMENT: Partial<Record<SimTask, string>> = { install: 'the profile', restore: 'the image', image: 'the name of the new image' };
const SAYS: Record<SimTask, string> = {
  install: 'install the selected systems with a dploy profile',
  restore: 'restore a Mondo image onto the selected systems',
  image: 'take a Mondo image of each selected system',
  localboot: 'let the selected systems boot from their disk',
  discover: 'boot the selected systems into discovery and inventory them again',
  forget: 'make dploy forget the selected systems (SIM keeps them)',
};

export const toolName = (task: SimTask) => `dploy ${task}`;

/** dploy's six tools; `entry` is the command line SIM runs (sim.toolCommand), `cms` the system it runs on. */
export function dployTools(entry: string, cms: string): SimTool[] {
  return SIM_TASKS.map((task) => ({
    name: toolName(task),
    description: `dploy: ${SAYS[task]}${ARGUMENT[task] ? ` (argument: ${ARGUMENT[task]})` : ''}`,
    command: `${entry} ${task}`,
    executionSystem: cms,
  }));
}

/** Children in the order toollist.dtd fixes: description, then msa-block (command, execution-system). */
export function writeToolList(tools: readonly SimTool[]): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<tool-list>'];
  for (const t of tools) {
    lines.push(
      `  <msa-command-tool name="${escapeXml(t.name)}">`,
      `    <description>${escapeXml(t.description)}</description>`,
      '    <msa-block>',
      `      <command>${escapeXml(t.command)}</command>`,
      `      <execution-system>${escapeXml(t.executionSystem)}</execution-system>`,
      '    </msa-block>',
      '  </msa-command-tool>',
    );
  }
  lines.push('</tool-list>', '');
  return lines.join('\n');
}

/** The tools `mxtool -lf` lists, with what dploy compares: description, command, execution system. */
export function readToolList(text: string): SimTool[] {
  const root = readXmlElements(text, 'mxtool -lf');
  if (root.name !== 'tool-list') throw new DployError('DPLOY_ERR_SIM_UNAVAILABLE', `mxtool -lf printed <${root.name}>, not the <tool-list> of toollist.dtd`);
  const textOf = (parent: { children: Array<{ name: string; text: string }> } | undefined, name: string) =>
    parent?.children.find((c) => c.name === name)?.text.trim() ?? '';
  return root.children.flatMap((tool) => {
    const name = tool.attributes.get('name');
    if (!name) return [];
    const block = tool.children.find((c) => c.name === 'msa-block');
    return [{ name, description: textOf(tool, 'description'), command: textOf(block, 'command'), executionSystem: textOf(block, 'execution-system') }];
  });
}
