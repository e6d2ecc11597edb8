// Just enough of a browser to submit the OCS console's forms: finds a form,
// its controls, and builds the fields a browser sends for it (HTML "constructing
// the entry list": checked boxes only, the selected option, the clicked button).
// The console's markup is regular PHP output, so regular expressions do.

export interface Option {
  value: string;
  text: string;
  selected: boolean;
}

export interface Control {
  tag: 'input' | 'select' | 'textarea';
  type: string;
  name: string;
  value: string;
  checked: boolean;
  disabled: boolean;
  options: Option[];
}

export interface Form {
  name: string;
  id: string;
  action: string;
  controls: Control[];
}

const TAG = /<(input|select|textarea)\b([^>]*)>/gi;

export function attributes(source: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const m of source.matchAll(/([\w:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    result[m[1]!.toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return result;
}

/**
 * Every form of the page. A form runs from its start tag to the first </form>
 * after it, which is what a browser makes of the console's nested forms
 * (modif_values() opens form CHANGE inside ms_custom_tag's lock_affect: the
 * inner start tag is ignored and its </form> closes the outer form).
 */
export function forms(html: string): Form[] {
  const result: Form[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>/gi)) {
    const start = m.index! + m[0].length;
    const end = html.indexOf('</form>', start);
    const attrs = attributes(m[1] ?? '');
    result.push({
      name: attrs.name ?? '',
      id: attrs.id ?? '',
      action: attrs.action ?? '',
      controls: controls(html.slice(start, end < 0 ? undefined : end)),
    });
  }
  return result;
}

export function findForm(html: string, nameOrId: string): Form {
  const form = forms(html).find((f) => f.name === nameOrId || f.id === nameOrId);
  if (!form)
    throw new Error(
      `no form "${nameOrId}" on the page; forms: ${forms(html)
        .map((f) => f.name || f.id)
        .join(', ')}\n${pageText(html).slice(0, 1500)}`,
    );
  return form;
}

export function controls(html: string): Control[] {
  const result: Control[] = [];
  for (const m of html.matchAll(TAG)) {
    const tag = m[1]!.toLowerCase() as Control['tag'];
    const attrs = attributes(m[2] ?? '');
    if (!attrs.name) continue;
    const after = html.slice(m.index! + m[0].length);
    const control: Control = {
      tag,
      type: tag === 'input' ? (attrs.type ?? 'text').toLowerCase() : tag,
      name: attrs.name,
      value: attrs.value ?? '',
      checked: 'checked' in attrs,
      disabled: 'disabled' in attrs,
      options: [],
    };
    if (tag === 'select') control.options = options(after.slice(0, after.search(/<\/select>/i)));
    if (tag === 'textarea') control.value = decodeEntities(after.slice(0, after.search(/<\/textarea>/i)));
    result.push(control);
  }
  return result;
}

function options(html: string): Option[] {
  return [...html.matchAll(/<option\b([^>]*)>([^<]*)/gi)].map((m) => {
    const attrs = attributes(m[1] ?? '');
    const text = decodeEntities(m[2] ?? '').trim();
    return { value: attrs.value ?? text, text, selected: 'selected' in attrs };
  });
}

/**
 * What a browser posts for `form` after the user typed `set` (text: the value;
 * select: an option's value or visible text; checkbox/radio: true/false or the
 * value of the box to tick) and clicked the submit button named `clicked`.
 */
export function formFields(form: Form, set: Record<string, string | boolean> = {}, clicked?: string): [string, string][] {
  const names = new Set(form.controls.map((c) => c.name));
  for (const name of [...Object.keys(set), ...(clicked ? [clicked] : [])]) {
    if (!names.has(name)) throw new Error(`form "${form.name}" has no control "${name}"; it has: ${[...names].join(', ')}`);
  }
  const fields: [string, string][] = [];
  for (const c of form.controls) {
    if (c.disabled) continue;
    const wanted = set[c.name];
    switch (c.type) {
      case 'submit':
      case 'image':
      case 'button':
      case 'reset':
        if (c.name === clicked && c.type === 'image') fields.push([`${c.name}.x`, '1'], [`${c.name}.y`, '1']);
        else if (c.name === clicked && c.type === 'submit') fields.push([c.name, c.value]);
        break;
      case 'checkbox':
      case 'radio': {
        const on = wanted === undefined ? c.checked : wanted === true || wanted === c.value;
        if (on) fields.push([c.name, c.value || 'on']);
        break;
      }
      case 'select': {
        if (typeof wanted === 'string') fields.push([c.name, chooseOption(c, wanted)]);
        else {
          const chosen = selectedOption(c);
          if (chosen) fields.push([c.name, chosen.value]);
        }
        break;
      }
      case 'file':
        break;
      default:
        fields.push([c.name, typeof wanted === 'string' ? wanted : c.value]);
    }
  }
  return fields;
}

/**
 * The option a single select shows: the last one marked selected (the console
 * marks both its empty option and the stored value), else the first.
 */
export function selectedOption(select: Control): Option | undefined {
  return [...select.options].reverse().find((o) => o.selected) ?? select.options[0];
}

function chooseOption(select: Control, wanted: string): string {
  const option = select.options.find((o) => o.value === wanted) ?? select.options.find((o) => o.text === wanted);
  if (!option) throw new Error(`select "${select.name}" has no option "${wanted}"; options: ${select.options.map((o) => `${o.value}=${o.text}`).join(', ')}`);
  return option.value;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', nbs: ' ' };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);?/gi, (all, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ENTITIES[e.toLowerCase()] ?? all;
  });
}

/** Readable text of an HTML fragment: scripts dropped, tags stripped, entities decoded, blank lines folded. */
export function pageText(html: string): string {
  return decodeEntities(
    html
      .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<br\s*\/?>|<\/(p|div|tr|li|h\d|table|thead)>/gi, '\n')
      .replace(/<\/t[dh]>/gi, '\t')
      .replace(/<[^>]*>/g, ''),
  )
    .split('\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}
