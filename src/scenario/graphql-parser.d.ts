/**
 * Types for graphql's ES-module parser files, imported by path: `graphql`'s index loads its whole type system,
 * validation and execution (~10 MB of RSS in every run), of which the scenario check needs only the parser
 * (~1.5 MB). The package ships `.d.ts` beside its `.js` files only, so the `.mjs` paths borrow those.
 */
declare module 'graphql/language/parser.mjs' {
  export { parse } from 'graphql/language/parser';
}
declare module 'graphql/language/kinds.mjs' {
  export { Kind } from 'graphql/language/kinds';
}
