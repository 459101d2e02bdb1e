/** A name an agent sent, as the log shows it. */

/** Plain when printable, else quoted (a newline cannot forge a line), cut at 64 characters. */
export function shown(text: string): string {
  return /^[\x21-\x7e]{1,64}$/.test(text) ? text : JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}
