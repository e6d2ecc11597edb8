// renderBootConfig: the one call the TFTP route and the iPXE HTTP route make.
// The host's boot state picks the template; unknown machines follow the
// policy. undefined means "not mine": the route passes the request on (to
// static files, then 404), which is how a loader moves to its next name.

import { Eta } from 'eta';
import { DployError } from '../errors.js';
import { hostBootNic } from '../model/boot-nic.js';
import type { BootState, Host } from '../model/host.js';
import type { BootContext, BootPolicy, BootVariables } from './boot-inputs.js';
import type { BootConfigRequest } from './boot-request.js';
import { loaderRules } from './loaders/index.js';
import { buildTemplateData } from './template-data.js';
import { findTemplate, SHIPPED_TEMPLATE_DIR } from './template-lookup.js';

// Boot configs are not HTML: no escaping (template-data.ts already made every
// value safe for its loader), and no automatic trimming: control-flow tags
// end in `-%>` to drop their own newline.
const eta = new Eta({ autoEscape: false, autoTrim: false, cache: false, useWith: false });
const compiled = new Map<string, { text: string; render: (data: object) => string }>();

/** Which state to serve; undefined when dploy should stay silent. */
export function chooseBootState(request: BootConfigRequest, host: Host | undefined, policy: BootPolicy): BootState | undefined {
  // Only a MAC says which NIC booted, and every loader that asks by UUID asks
  // by 01-MAC next (loaders/): a UUID-only name is declined, known
  // machine or not, so that the entry, BOOTIF and the job agree on the NIC.
  // Subnet and default names are the site's own.
  if (!request.mac || request.isDefault) return undefined;
  if (host) return host.bootState;
  switch (policy.unknownHost) {
    case 'discover':
      return { kind: 'discover' };
    case 'localboot':
      return { kind: 'localboot' };
    case 'ignore':
      return undefined;
  }
}

function contextFor(request: BootConfigRequest, host: Host | undefined): BootContext {
  const arch = request.arch ?? host?.arch;
  const firmware = request.firmware ?? host?.firmware ?? loaderRules(request.loader).firmware;
  const bootMac = request.mac ?? (host && hostBootNic(host)?.mac);
  return {
    loader: request.loader,
    ...(host ? { host } : {}),
    ...(arch && arch !== 'unknown' ? { arch } : {}),
    ...(firmware ? { firmware } : {}),
    ...(bootMac ? { bootMac } : {}),
    ...(request.clientAddress ? { clientAddress: request.clientAddress } : {}),
  };
}

function compile(path: string, text: string): (data: object) => string {
  const cached = compiled.get(path);
  if (cached && cached.text === text) return cached.render;
  try {
    const fn = eta.compile(text);
    const render = (data: object): string => eta.render(fn, data);
    compiled.set(path, { text, render });
    return render;
  } catch (err) {
    throw new DployError('DPLOY_ERR_BOOT_CONFIG', `boot template ${path} does not compile: ${(err as Error).message}`, { cause: err });
  }
}

export function templateDirectories(policy: BootPolicy): string[] {
  return [...(policy.templateOverrideDir ? [policy.templateOverrideDir] : []), policy.shippedTemplateDir ?? SHIPPED_TEMPLATE_DIR];
}

export async function renderBootConfig(
  request: BootConfigRequest,
  host: Host | undefined,
  policy: BootPolicy,
  variables: BootVariables,
): Promise<string | undefined> {
  const chosen = chooseBootState(request, host, policy);
  if (!chosen) return undefined;
  const context = contextFor(request, host);
  const image = chosen.kind === 'localboot' ? undefined : await variables.image(chosen, context);
  // No image for a network state: its job is done with the network boot (BootVariables.image).
  const state: BootState = image ? chosen : { kind: 'localboot' };
  const key = {
    loader: request.loader,
    state: state.kind,
    ...(context.arch ? { arch: context.arch } : {}),
    ...(image?.osFamily ? { osFamily: image.osFamily } : {}),
  };
  const template = findTemplate(key, templateDirectories(policy));
  const data = buildTemplateData({ state, context, image, policy, variables });
  let text: string;
  try {
    text = compile(template.path, template.text)(data);
  } catch (err) {
    if (err instanceof DployError) throw err;
    throw new DployError('DPLOY_ERR_BOOT_CONFIG', `boot template ${template.path} failed: ${(err as Error).message}`, { cause: err });
  }
  // A template that renders nothing declines (elilo has no local boot).
  return text.trim() === '' ? undefined : text;
}
