// What a profile's post script may contain. The same script is carried by
// every answer-file family: inline in kickstart's %post (inside a shell
// here-document), in a CDATA section of AutoYaST's XML, and as a separate
// file (post.sh) fetched by preseed's late_command and autoinstall. A line
// that one of those carriers reads as its own syntax would end the section
// and run the rest as installer directives, so such a profile is refused at
// save, naming the line.
//
// pykickstart splits the file with Python's str.splitlines() and, inside a
// script section, takes any line whose first non-blank character is "%" as a
// section keyword (%end, %include, %pre, %post, %packages …): hence the line
// breaks and blanks below are Python's, not just "\n" and " ".

/** Python's str.splitlines() boundaries. */
const LINE_BREAKS = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;
/** Blanks str.lstrip() removes (Python's isspace), a superset taken: JavaScript's \s plus the separators \x1c-\x1f and \x85. */
const KICKSTART_KEYWORD = /^[\s\x1c-\x1f\x85]*%/;
/** Characters XML 1.0 forbids even in CDATA (AutoYaST would not parse), NUL included. */
const NOT_XML = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|\p{Cs}/u;

/** Why the script cannot be carried safely, or undefined. */
export function postScriptProblem(script: string): string | undefined {
  const bad = NOT_XML.exec(script);
  if (bad)
    return `control character U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} at offset ${bad.index}: not allowed in an answer file (AutoYaST's XML refuses it); write it as an escape (printf '\\033')`;
  const lines = script.split(LINE_BREAKS);
  for (const [i, line] of lines.entries()) {
    if (KICKSTART_KEYWORD.test(line)) {
      return `line ${i + 1} ${JSON.stringify(line.slice(0, 80))} starts with "%": kickstart would read it as a section keyword (%end, %include …) and run what follows outside %post; write it so that "%" is not its first character (e.g. printf '%%s\\n' …)`;
    }
    if (line === 'DPLOY_END') return `line ${i + 1} is "DPLOY_END", which ends the here-document that carries the script in post.sh`;
  }
  if (script.includes(']]>')) return '"]]>" would end the CDATA section that carries the script in AutoYaST\'s XML; split it (e.g. "]]" ">")';
  return undefined;
}
