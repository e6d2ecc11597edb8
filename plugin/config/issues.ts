// Turns a schema violation into one line an operator can act on: which key,
// where it came from (file or environment variable), what was expected.

import type { z } from 'zod';

export function describeIssue(issue: z.core.$ZodIssue, origins: Map<string, string>, file: string | undefined): string {
  const key = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (key ? `${key}.${k}` : k));
    return `${keys.join(', ')}: unknown key${keys.length > 1 ? 's' : ''} in ${file ?? 'the configuration'} (see docs/configuration.md)`;
  }
  const source = origins.get(key) ?? file ?? 'defaults';
  return `${key || '(top level)'} (from ${source}): ${expectation(issue)}`;
}

function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}${'input' in issue ? `, got ${JSON.stringify(issue.input)}` : ''}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `expected at least ${String(issue.minimum)}`;
    case 'too_big':
      return `expected at most ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}
