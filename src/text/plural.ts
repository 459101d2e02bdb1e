/**
 * Counted words, one helper for every message: "1 worker", "2 workers", "1 publish", "3 publishes".
 * Irregular plurals are passed by the caller; the number is printed as given (a caller that wants
 * thousands separators passes the formatted text with the count it stands for).
 */

/** The word for `n` of it: `one` for exactly 1, else `many` (default `one` + "s"). */
export function noun(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}

/** "<n> <word>" with the word in the right number; `shown` prints the count otherwise ("1,024"). */
export function plural(n: number, one: string, many = `${one}s`, shown: string = String(n)): string {
  return `${shown} ${noun(n, one, many)}`;
}
