// Gives an lshw document the SMBIOS serial and UUID of another machine, so
// one real document can stand for many distinct machines in a benchmark.
// Real hardware reports both; a VM like this workplace's shows neither, and
// with every machine's UUID empty OCS's duplicate search (Duplicate.pm:
// `SELECT … FROM hardware WHERE UUID=?`) fetches every earlier computer on
// each inventory, a cost real sites do not pay. An existing serial or UUID
// setting of the system node is replaced; a missing one is added where lshw
// writes it (serial before the width, the uuid setting in the node's
// configuration, which is added before its capabilities when absent).

export function withMachineIdentity(xml: string, serial: string, uuid: string): string {
  const system = xml.indexOf('class="system"');
  if (system < 0) throw new Error('the lshw document has no system node');
  const start = xml.indexOf('>', system) + 1;
  // The system node's own elements end where its first child node starts.
  const childAt = xml.indexOf('<node ', start);
  const end = childAt < 0 ? xml.length : childAt;
  let head = xml.slice(start, end);
  head = /<serial>[^<]*<\/serial>/.test(head)
    ? head.replace(/<serial>[^<]*<\/serial>/, `<serial>${serial}</serial>`)
    : insertBefore(head, ['<width', '<configuration>', '<capabilities>'], ` <serial>${serial}</serial>\n`);
  const setting = `<setting id="uuid" value="${uuid}" />`;
  if (/<setting id="uuid" value="[^"]*" \/>/.test(head)) head = head.replace(/<setting id="uuid" value="[^"]*" \/>/, setting);
  else if (head.includes('<configuration>')) head = head.replace('<configuration>', `<configuration>\n  ${setting}`);
  else head = insertBefore(head, ['<capabilities>'], ` <configuration>\n  ${setting}\n </configuration>\n`);
  return xml.slice(0, start) + head + xml.slice(end);
}

function insertBefore(head: string, markers: string[], text: string): string {
  const at = markers
    .map((m) => head.indexOf(m))
    .filter((i) => i >= 0)
    .sort((a, b) => a - b)[0];
  if (at === undefined) return head.replace(/\s*$/, (tail) => `\n${text}${tail.replace(/^\n/, '')}`);
  // Keep the indentation of the line the marker stands on.
  const lineStart = head.lastIndexOf('\n', at) + 1;
  return head.slice(0, lineStart) + text + head.slice(lineStart);
}
