/**
 * Wraps plain text at word boundaries to `width` columns; continuation lines get `indent` spaces
 * (the first line keeps its own leading spaces). Words longer than a line are left whole.
 */
export function wrap(text: string, width = 100, indent = 4): string {
  if (text.length <= width) return text;
  const lead = /^\s*/.exec(text)?.[0] ?? '';
  const words = text.slice(lead.length).split(' ');
  const lines: string[] = [];
  let line = lead;
  let empty = true;
  for (const w of words) {
    if (!empty && line.length + 1 + w.length > width) {
      lines.push(line);
      line = ' '.repeat(indent) + w;
    } else {
      line += (empty ? '' : ' ') + w;
    }
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}
