/**
 * Unknown fields in Kubernetes objects (a typo such as `parallelizm`), which the kubernetes-models
 * validators let through but `kubectl apply` rejects (strict field validation). Each object is
 * type-checked as an object literal against its kubernetes-models interface: TypeScript's excess
 * property check names every key the API does not have, at any depth.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { ROOT } from './cli.js';

/** An object to check: where it came from, its interface's module and name, and its value. */
export interface FieldCheckInput {
  where: string;
  module: string;
  typeName: string;
  value: unknown;
}

// A file name inside the repository, so that module resolution finds node_modules; never written.
const VIRTUAL = join(ROOT, 'test', '__manifest-fields__.ts');

/** One line per unknown or mistyped field: `<where>: <TypeScript's message>`; empty when all are known. */
export function unknownFieldProblems(inputs: FieldCheckInput[]): string[] {
  const imports = new Map<string, Set<string>>();
  for (const i of inputs) imports.set(i.module, (imports.get(i.module) ?? new Set()).add(i.typeName));
  const lines: string[] = [];
  for (const [mod, names] of imports) lines.push(`import type { ${[...names].join(', ')} } from '${mod}';`);
  const owners: { from: number; to: number; where: string }[] = [];
  inputs.forEach((input, n) => {
    const body = JSON.stringify(input.value, null, 2).split('\n');
    owners.push({ from: lines.length, to: lines.length + body.length, where: input.where });
    lines.push(`export const o${n}: ${input.typeName} = ${body[0] ?? ''}`, ...body.slice(1));
    lines[lines.length - 1] += ';';
  });
  const source = lines.join('\n');

  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, onError, create) =>
    name === VIRTUAL ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, onError, create);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === VIRTUAL || fileExists(name);
  const program = ts.createProgram([VIRTUAL], options, host);
  const file = program.getSourceFile(VIRTUAL);
  if (!file) throw new Error('the virtual manifest file did not load');
  return ts.getPreEmitDiagnostics(program, file).map((d) => {
    const line = d.start === undefined ? -1 : file.getLineAndCharacterOfPosition(d.start).line;
    const owner = owners.find((o) => line >= o.from && line < o.to);
    return `${owner?.where ?? 'imports'}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}
