/**
 * Reads the Kubernetes manifests under deploy/kubernetes the way kubectl and kustomize would, for
 * the manifest tests: every YAML document, the kustomizations' resources and JSON patches, and
 * what a container would execute (its command, args and environment as the kubelet expands them).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './cli.js';

export const MANIFEST_DIR = join(ROOT, 'deploy/kubernetes');

/** A plain JSON value as YAML parses it. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/** One YAML document of one file. */
export interface ManifestDoc {
  /** Path relative to the repository root. */
  file: string;
  /** 0-based index of the document in its file. */
  index: number;
  value: Json;
}

/** Every .yaml/.yml file under dir, sorted. */
export function yamlFiles(dir: string = MANIFEST_DIR): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

/** Every document of a YAML file; throws naming the file on a syntax error. */
export function readYamlDocs(path: string): ManifestDoc[] {
  const file = relative(ROOT, path);
  return parseAllDocuments(readFileSync(path, 'utf8')).map((doc, index) => {
    if (doc.errors.length > 0) throw new Error(`${file} document ${index}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return { file, index, value: doc.toJS() as Json };
  });
}

/** True for a JSON object (not an array or null). */
export function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object at a dotted path, or throws naming the path. */
export function at(obj: Json, path: string): Json {
  let cur: Json = obj;
  for (const key of path.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(key)) cur = cur[Number(key)] as Json;
    else if (isObject(cur) && key in cur) cur = cur[key] as Json;
    else throw new Error(`${path}: missing (at ${key})`);
  }
  return cur;
}

/** "Kind/name" of a Kubernetes object, for messages. */
export function objectLabel(obj: Json): string {
  if (!isObject(obj)) return '(not an object)';
  const meta = obj.metadata;
  const name = isObject(meta) && typeof meta.name === 'string' ? meta.name : '?';
  return `${String(obj.kind)}/${name}`;
}

/** One JSON Patch operation (RFC 6902): the ones kustomize overlays here use. */
interface PatchOp {
  op: 'add' | 'replace' | 'remove' | 'test';
  path: string;
  value?: Json;
}

function pointer(path: string): string[] {
  if (!path.startsWith('/')) throw new Error(`JSON patch path ${path}: must start with /`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Applies an RFC 6902 patch (add, replace, remove, test) to a deep copy of doc; throws on a path that does not apply. */
export function applyJsonPatch(doc: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw new Error('a JSON patch must be a list of operations');
  const out = structuredClone(doc);
  for (const raw of ops) {
    const op = raw as unknown as PatchOp;
    const keys = pointer(op.path);
    const last = keys.pop() as string;
    let parent: Json = out;
    for (const k of keys) parent = at(parent, k);
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(i) || i < 0 || i > parent.length) throw new Error(`JSON patch ${op.op} ${op.path}: no index ${last}`);
      if (op.op === 'add') parent.splice(i, 0, structuredClone(op.value as Json));
      else if (i >= parent.length) throw new Error(`JSON patch ${op.op} ${op.path}: no index ${last}`);
      else if (op.op === 'replace') parent[i] = structuredClone(op.value as Json);
      else if (op.op === 'remove') parent.splice(i, 1);
      else if (JSON.stringify(parent[i]) !== JSON.stringify(op.value))
        throw new Error(`JSON patch test ${op.path}: is ${JSON.stringify(parent[i])}`);
    } else if (isObject(parent)) {
      if (op.op !== 'add' && !(last in parent)) throw new Error(`JSON patch ${op.op} ${op.path}: no key ${last}`);
      if (op.op === 'add' || op.op === 'replace') parent[last] = structuredClone(op.value as Json);
      else if (op.op === 'remove') delete parent[last];
      else if (JSON.stringify(parent[last]) !== JSON.stringify(op.value))
        throw new Error(`JSON patch test ${op.path}: is ${JSON.stringify(parent[last])}`);
    } else {
      throw new Error(`JSON patch ${op.op} ${op.path}: parent is not a container`);
    }
  }
  return out;
}

/** What `kubectl apply -k DIR` would create, for the kustomize features these manifests use. */
export interface Kustomized {
  objects: JsonObject[];
  /** Secret names a secretGenerator makes (from files the user provides). */
  generatedSecrets: string[];
  /** Files a generator reads, relative to the repository root. */
  generatorFiles: string[];
}

/** Builds a kustomization directory: its resources (files or directories, recursively) with its JSON patches applied. */
export function kustomize(dir: string): Kustomized {
  const kPath = join(dir, 'kustomization.yaml');
  const k = readYamlDocs(kPath)[0]?.value ?? null;
  if (!isObject(k)) throw new Error(`${relative(ROOT, kPath)}: not an object`);
  const result: Kustomized = { objects: [], generatedSecrets: [], generatorFiles: [] };
  for (const res of (k.resources ?? []) as string[]) {
    const path = resolve(dir, res);
    if (statSync(path).isDirectory()) {
      const sub = kustomize(path);
      result.objects.push(...sub.objects);
      result.generatedSecrets.push(...sub.generatedSecrets);
      result.generatorFiles.push(...sub.generatorFiles);
    } else {
      for (const d of readYamlDocs(path)) if (isObject(d.value)) result.objects.push(d.value);
    }
  }
  for (const gen of (k.secretGenerator ?? []) as JsonObject[]) {
    result.generatedSecrets.push(String(gen.name));
    for (const f of (gen.files ?? []) as string[]) result.generatorFiles.push(relative(ROOT, resolve(dir, f)));
  }
  for (const p of (k.patches ?? []) as JsonObject[]) {
    const target = p.target as JsonObject;
    const ops = readYamlDocs(resolve(dir, String(p.path)))[0]?.value ?? null;
    const i = result.objects.findIndex((o) => o.kind === target.kind && isObject(o.metadata) && o.metadata.name === target.name);
    if (i < 0)
      throw new Error(
        `${relative(ROOT, dir)}: patch ${String(p.path)} targets ${String(target.kind)}/${String(target.name)}, which no resource defines`,
      );
    result.objects[i] = applyJsonPatch(result.objects[i] as JsonObject, ops) as JsonObject;
  }
  return result;
}

/** The one object of a kind and name among objects; throws when absent. */
export function findObject(objects: JsonObject[], kind: string, name: string): JsonObject {
  const found = objects.find((o) => o.kind === kind && isObject(o.metadata) && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} among ${objects.map(objectLabel).join(', ')}`);
  return found;
}

/** The one object of a kind whose labels include component; throws when absent or ambiguous. */
export function findByComponent(objects: JsonObject[], kind: string, component: string): JsonObject {
  const found = objects.filter((o) => {
    if (o.kind !== kind || !isObject(o.metadata)) return false;
    const labels = o.metadata.labels;
    return isObject(labels) && labels['app.kubernetes.io/component'] === component;
  });
  if (found.length !== 1) throw new Error(`expected one ${kind} with component ${component}, found ${found.length}`);
  return found[0] as JsonObject;
}

/** The Dockerfile's ENTRYPOINT (exec form) of its final stage. */
export function dockerEntrypoint(dockerfile: string = join(ROOT, 'Dockerfile')): string[] {
  const lines = readFileSync(dockerfile, 'utf8')
    .split('\n')
    .filter((l) => /^ENTRYPOINT\s/.test(l));
  const last = lines.at(-1);
  if (last === undefined) throw new Error('Dockerfile: no ENTRYPOINT');
  return JSON.parse(last.replace(/^ENTRYPOINT\s+/, '')) as string[];
}

/** The value of a Secret's key (stringData or base64 data); throws when absent. */
export function secretValue(secret: JsonObject, key: string): string {
  const s = secret.stringData;
  if (isObject(s) && typeof s[key] === 'string') return s[key];
  const d = secret.data;
  if (isObject(d) && typeof d[key] === 'string') return Buffer.from(d[key], 'base64').toString('utf8');
  throw new Error(`${objectLabel(secret)} has no key ${key}`);
}

/**
 * A container's environment as the kubelet builds it from the manifest: literal values, and
 * secretKeyRef / configMapKeyRef resolved against objects; `extra` are what Kubernetes itself
 * adds (JOB_COMPLETION_INDEX for an Indexed Job).
 */
export function containerEnv(container: JsonObject, objects: JsonObject[], extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { ...extra };
  for (const e of (container.env ?? []) as JsonObject[]) {
    const name = String(e.name);
    if (typeof e.value === 'string') env[name] = expandVars(e.value, env);
    else if (isObject(e.valueFrom) && isObject(e.valueFrom.secretKeyRef)) {
      const ref = e.valueFrom.secretKeyRef;
      env[name] = secretValue(findObject(objects, 'Secret', String(ref.name)), String(ref.key));
    } else if (isObject(e.valueFrom) && isObject(e.valueFrom.configMapKeyRef)) {
      const ref = e.valueFrom.configMapKeyRef;
      const data = findObject(objects, 'ConfigMap', String(ref.name)).data as JsonObject;
      env[name] = String(data[String(ref.key)]);
    } else throw new Error(`env ${name}: a source this helper does not resolve`);
  }
  return env;
}

/** Kubernetes' $(VAR) expansion in command, args and env values: defined names are replaced, $$ is a literal $, others stay. */
export function expandVars(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m: string, name: string | undefined) => {
    if (name === undefined) return '$';
    return env[name] ?? m;
  });
}

/** A container's command line as the kubelet runs it: command (or the image's ENTRYPOINT) then args, $(VAR) expanded. */
export function containerArgv(container: JsonObject, env: Record<string, string>, entrypoint: string[] = dockerEntrypoint()): string[] {
  const command = (container.command ?? entrypoint) as string[];
  const args = (container.args ?? []) as string[];
  return [...command, ...args].map((a) => expandVars(String(a), env));
}
