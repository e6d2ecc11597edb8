// One RIBCL request (HP iLO scripting guide, "RIBCL XML scripting language"):
// <RIBCL VERSION="2.0"><LOGIN …><SERVER_INFO MODE="…"> commands </…>, one
// document per connection, a login each time.
//
// The credentials go in verbatim, not entity-escaped: iLO's parser does not
// decode entities in LOGIN's attributes, so `&amp;` fails the login where `&`
// works (python-hpilo #30, HP advisory c03221572). What could end the
// attribute or the document (a double quote, control characters) is refused
// instead, so nothing in a password can become markup.

import { DployError } from '../../errors.js';

/** A SERVER_INFO command: its tag and attributes (values from dploy's own vocabulary, never from input). */
export interface RibclCommand {
  tag: 'GET_HOST_POWER_STATUS' | 'SET_HOST_POWER' | 'HOLD_PWR_BTN' | 'RESET_SERVER' | 'COLD_BOOT_SERVER' | 'SET_ONE_TIME_BOOT';
  attributes?: Record<string, string>;
}

const UNSENDABLE = /["\u0000-\u001f\u007f]/;

export function checkRibclCredential(what: 'user' | 'password', value: string): void {
  if (!UNSENDABLE.test(value)) return;
  throw new DployError(
    'DPLOY_ERR_INVALID_INPUT',
    `the iLO ${what} holds a double quote or a control character, which RIBCL cannot carry (iLO does not decode XML escapes in LOGIN); change it on the iLO`,
  );
}

export function ribclDocument(user: string, password: string, mode: 'read' | 'write', commands: readonly RibclCommand[]): string {
  checkRibclCredential('user', user);
  checkRibclCredential('password', password);
  const lines = commands.map(
    (c) =>
      `<${c.tag}${Object.entries(c.attributes ?? {})
        .map(([k, v]) => ` ${k}="${v}"`)
        .join('')}/>`,
  );
  return [
    `<RIBCL VERSION="2.0">`,
    `<LOGIN USER_LOGIN="${user}" PASSWORD="${password}">`,
    `<SERVER_INFO MODE="${mode}">`,
    ...lines,
    '</SERVER_INFO>',
    '</LOGIN>',
    '</RIBCL>',
    '',
  ].join('\r\n');
}
