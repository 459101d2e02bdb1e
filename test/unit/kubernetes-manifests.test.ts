/**
 * deploy/kubernetes: every object valid against the Kubernetes schemas (kubernetes-models), and
 * the facts a user relies on when applying them: the pieces reference each other correctly, the
 * agent count agrees everywhere, the scenario is a valid wsload scenario, the pods are locked
 * down and sized from the measured per-socket figures.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ConfigMap, PersistentVolumeClaim, Pod, Secret, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { makeCertificates } from '../helpers/certs.js';
import { unknownFieldProblems } from '../helpers/manifest-fields.js';
import { ROOT, wsload } from '../helpers/cli.js';
import {
  MANIFEST_DIR,
  at,
  containerArgv,
  findByComponent,
  findObject,
  isObject,
  kustomize,
  objectLabel,
  readYamlDocs,
  yamlFiles,
  type Json,
  type JsonObject,
  type Kustomized,
} from '../helpers/manifests.js';
import { missing, partPath } from '../helpers/real-parts.js';
import { tempDir } from '../helpers/run-helpers.js';

type Validator = (obj: JsonObject) => void;

// Each kind the manifests may use, with its schema; anything else fails as unknown.
const SCHEMAS: Record<string, Validator> = {
  'batch/v1 Job': (o) => new Job(o as never).validate(),
  'v1 ConfigMap': (o) => new ConfigMap(o as never).validate(),
  'v1 Secret': (o) => new Secret(o as never).validate(),
  'v1 Service': (o) => new Service(o as never).validate(),
  'v1 PersistentVolumeClaim': (o) => new PersistentVolumeClaim(o as never).validate(),
  'v1 Pod': (o) => new Pod(o as never).validate(),
  'networking.k8s.io/v1 NetworkPolicy': (o) => new NetworkPolicy(o as never).validate(),
};

const KUSTOMIZE_API = 'kustomize.config.k8s.io/v1beta1';

// The same kinds' TypeScript interfaces, for the unknown-field check.
const INTERFACES: Record<string, [module: string, typeName: string]> = {
  'batch/v1 Job': ['kubernetes-models/batch/v1', 'IJob'],
  'v1 ConfigMap': ['kubernetes-models/v1', 'IConfigMap'],
  'v1 Secret': ['kubernetes-models/v1', 'ISecret'],
  'v1 Service': ['kubernetes-models/v1', 'IService'],
  'v1 PersistentVolumeClaim': ['kubernetes-models/v1', 'IPersistentVolumeClaim'],
  'v1 Pod': ['kubernetes-models/v1', 'IPod'],
  'networking.k8s.io/v1 NetworkPolicy': ['kubernetes-models/networking.k8s.io/v1', 'INetworkPolicy'],
};

/** Every Kubernetes object under deploy/kubernetes as written, and the control-tls overlay's patched ones. */
function everyObject(): { where: string; obj: JsonObject }[] {
  const out: { where: string; obj: JsonObject }[] = [];
  for (const file of yamlFiles()) {
    for (const doc of readYamlDocs(file)) {
      if (isObject(doc.value) && doc.value.apiVersion !== KUSTOMIZE_API)
        out.push({ where: `${doc.file} document ${doc.index}`, obj: doc.value });
    }
  }
  for (const obj of kustomize(join(MANIFEST_DIR, 'control-tls')).objects) out.push({ where: 'control-tls (patched)', obj });
  return out;
}

/** Field problems of objects, through their interfaces. */
function fieldProblems(objects: { where: string; obj: JsonObject }[]): string[] {
  return unknownFieldProblems(
    objects.map(({ where, obj }) => {
      const [module, typeName] = INTERFACES[`${String(obj.apiVersion)} ${String(obj.kind)}`] ?? ['kubernetes-models', 'never'];
      return { where: `${where} ${objectLabel(obj)}`, module, typeName, value: obj };
    }),
  );
}

/** Schema problems of one object, each naming where it came from, the object and the error. */
function schemaProblems(where: string, obj: JsonObject): string[] {
  const key = `${String(obj.apiVersion)} ${String(obj.kind)}`;
  const validate = SCHEMAS[key];
  if (validate === undefined) return [`${where} ${objectLabel(obj)}: no schema for ${key} in this test`];
  try {
    validate(obj);
    return [];
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return [`${where} ${objectLabel(obj)}: ${detail}`];
  }
}

function podSpec(obj: JsonObject): JsonObject {
  return (obj.kind === 'Pod' ? obj.spec : at(obj, 'spec.template.spec')) as JsonObject;
}

function containers(obj: JsonObject): JsonObject[] {
  return podSpec(obj).containers as JsonObject[];
}

function only<T>(list: T[], what: string): T {
  if (list.length !== 1) throw new Error(`expected one ${what}, found ${list.length}`);
  return list[0] as T;
}

/** The value after a flag in an argument list. */
function flagValue(args: string[], flag: string): string {
  const i = args.indexOf(flag);
  if (i < 0 || i + 1 >= args.length) throw new Error(`${flag} missing in ${args.join(' ')}`);
  return args[i + 1] as string;
}

/** Every name a pod spec refers to: [kind, name, key?] for Secrets, ConfigMaps and PVCs. */
function references(obj: JsonObject): [string, string, string | undefined][] {
  const refs: [string, string, string | undefined][] = [];
  const spec = podSpec(obj);
  for (const v of (spec.volumes ?? []) as JsonObject[]) {
    if (isObject(v.configMap)) for (const k of itemKeys(v.configMap)) refs.push(['ConfigMap', String(v.configMap.name), k]);
    if (isObject(v.secret)) for (const k of itemKeys(v.secret)) refs.push(['Secret', String(v.secret.secretName), k]);
    if (isObject(v.persistentVolumeClaim)) refs.push(['PersistentVolumeClaim', String(v.persistentVolumeClaim.claimName), undefined]);
  }
  for (const c of spec.containers as JsonObject[]) {
    for (const e of (c.env ?? []) as JsonObject[]) {
      const from = e.valueFrom;
      if (isObject(from) && isObject(from.secretKeyRef))
        refs.push(['Secret', String(from.secretKeyRef.name), String(from.secretKeyRef.key)]);
      if (isObject(from) && isObject(from.configMapKeyRef))
        refs.push(['ConfigMap', String(from.configMapKeyRef.name), String(from.configMapKeyRef.key)]);
    }
  }
  return refs;
}

function itemKeys(source: JsonObject): (string | undefined)[] {
  const items = source.items as JsonObject[] | undefined;
  return items === undefined ? [undefined] : items.map((i) => String(i.key));
}

/** Problems with the names and keys a set's pods refer to. */
function referenceProblems(set: Kustomized, extraObjects: JsonObject[] = []): string[] {
  const all = [...set.objects, ...extraObjects];
  const problems: string[] = [];
  for (const obj of all.filter((o) => o.kind === 'Job' || o.kind === 'Pod')) {
    for (const [kind, name, key] of references(obj)) {
      if (kind === 'Secret' && set.generatedSecrets.includes(name)) {
        const files = set.generatorFiles.map((f) => f.split('/').at(-1));
        if (key !== undefined && !files.includes(key)) problems.push(`${objectLabel(obj)}: Secret ${name} is generated without key ${key}`);
        continue;
      }
      const target = all.find((o) => o.kind === kind && isObject(o.metadata) && o.metadata.name === name);
      if (target === undefined) {
        problems.push(`${objectLabel(obj)}: refers to ${kind}/${name}, which no manifest defines`);
        continue;
      }
      if (key === undefined) continue;
      const data = { ...((target.data ?? {}) as JsonObject), ...((target.stringData ?? {}) as JsonObject) };
      if (!(key in data)) problems.push(`${objectLabel(obj)}: ${kind}/${name} has no key ${key}`);
    }
  }
  return problems;
}

/** Converts a Kubernetes memory quantity (Ki, Mi, Gi or plain bytes) to bytes. */
function bytes(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q);
  if (!m) throw new Error(`memory quantity ${q}: not understood by this test`);
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
}

const BASE = join(MANIFEST_DIR, 'base');

/** deploy/kubernetes/token-secret.yaml: the token Secret users create before applying the base. */
function tokenSecret(): JsonObject {
  return readYamlDocs(join(MANIFEST_DIR, 'token-secret.yaml'))[0]?.value as JsonObject;
}
const TLS = join(MANIFEST_DIR, 'control-tls');

describe('deploy/kubernetes manifests', () => {
  it('every YAML document parses and every Kubernetes object passes its schema', () => {
    const problems: string[] = [];
    let objects = 0;
    for (const file of yamlFiles()) {
      for (const doc of readYamlDocs(file)) {
        const where = `${doc.file} document ${doc.index}`;
        if (Array.isArray(doc.value)) continue; // a JSON patch: checked applied, below
        if (!isObject(doc.value)) {
          problems.push(`${where}: neither a Kubernetes object nor a JSON patch`);
          continue;
        }
        if (doc.value.apiVersion === KUSTOMIZE_API) continue;
        objects++;
        problems.push(...schemaProblems(where, doc.value));
      }
    }
    expect(problems).toEqual([]);
    expect(objects).toBeGreaterThanOrEqual(7);
  });

  it('no object has a field the Kubernetes API does not know (kubectl apply rejects those; the schemas let them through)', () => {
    expect(fieldProblems(everyObject())).toEqual([]);
  });

  it('a misspelt field fails the field check with the file, the object and the field', () => {
    const job = structuredClone(findObject(kustomize(BASE).objects, 'Job', 'wsload-agents'));
    (job.spec as JsonObject).parallelizm = 4;
    expect(fieldProblems([{ where: 'agents-job.yaml document 0', obj: job }])).toEqual([
      expect.stringMatching(/^agents-job\.yaml document 0 Job\/wsload-agents: .*'"?parallelizm"?' does not exist in type 'IJobSpec'/),
    ]);
  });

  it('a broken object fails validation with the file, the object and the schema error', () => {
    const job = structuredClone(findObject(kustomize(BASE).objects, 'Job', 'wsload-agents'));
    (job.spec as JsonObject).completionMode = 'Indexd';
    expect(schemaProblems('agents-job.yaml document 0', job)).toEqual([
      expect.stringMatching(
        /^agents-job\.yaml document 0 Job\/wsload-agents: .*spec\/completionMode must be equal to one of the allowed values/,
      ),
    ]);
  });

  it('the base kustomization lists every manifest of its directory, and the overlays build with their patches applied', () => {
    const listed = (readYamlDocs(join(BASE, 'kustomization.yaml'))[0]?.value as JsonObject).resources as string[];
    const files = readdirSync(BASE).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
    expect([...listed].sort()).toEqual(files.sort());
    const tls = kustomize(TLS);
    const problems = tls.objects.flatMap((o) => schemaProblems('control-tls (patched)', o));
    expect(problems).toEqual([]);
  });

  for (const [variant, dir] of [
    ['base', BASE],
    ['control-tls', TLS],
  ] as const) {
    describe(`${variant}: what a user relies on`, () => {
      const set = kustomize(dir);
      const coordinator = findByComponent(set.objects, 'Job', 'coordinator');
      const agents = findByComponent(set.objects, 'Job', 'agent');
      const service = only(
        set.objects.filter((o) => o.kind === 'Service'),
        'Service',
      );
      const coordArgs = containerArgv(only(containers(coordinator), 'coordinator container'), {});
      const agentArgs = containerArgv(only(containers(agents), 'agent container'), {});

      it('the agents are an Indexed Job whose pods all run at once, as many as the coordinator waits for', () => {
        const spec = agents.spec as JsonObject;
        expect(spec.completionMode).toBe('Indexed');
        expect(spec.parallelism).toBe(spec.completions);
        expect(coordArgs.slice(0, 2)).toEqual(['wsload', 'run']);
        expect(Number(flagValue(coordArgs, '--agents'))).toBe(spec.completions);
        expect(agentArgs.slice(0, 2)).toEqual(['wsload', 'agent']);
        // The coordinator never retries: a second one would start a run nobody waits for.
        expect((coordinator.spec as JsonObject).backoffLimit).toBe(0);
        for (const job of [coordinator, agents]) expect(podSpec(job).restartPolicy).toBe('Never');
        // A dead agent pod is retried (its replacement takes its name's place, or stands by); an
        // agent that exits 1 (lost its coordinator) or 2 (refused) fails the Job at once.
        expect(spec.backoffLimit).toBeGreaterThan(0);
        const rules = (spec.podFailurePolicy as JsonObject).rules as JsonObject[];
        const failJob = rules.find((r) => r.action === 'FailJob')!;
        expect(failJob.onExitCodes).toEqual({ containerName: 'agent', operator: 'In', values: [1, 2] });
        expect(only(containers(agents), 'agent container').name).toBe('agent');
        expect(rules.find((r) => r.action === 'Ignore')!.onPodConditions).toEqual([{ type: 'DisruptionTarget', status: 'True' }]);
      });

      it('the headless Service selects the coordinator pod (only) on its control port, where the agents connect', () => {
        const svcSpec = service.spec as JsonObject;
        expect(svcSpec.clusterIP).toBe('None');
        const selector = svcSpec.selector as JsonObject;
        const coordLabels = at(coordinator, 'spec.template.metadata.labels') as JsonObject;
        const agentLabels = at(agents, 'spec.template.metadata.labels') as JsonObject;
        for (const [k, v] of Object.entries(selector)) expect(coordLabels[k], `coordinator pod label ${k}`).toBe(v);
        expect(Object.entries(selector).every(([k, v]) => agentLabels[k] === v)).toBe(false);

        const container = only(containers(coordinator), 'coordinator container');
        const cPort = only(
          ((container.ports ?? []) as JsonObject[]).filter((p) => p.name === 'control'),
          'coordinator control port',
        );
        const port = only(
          (svcSpec.ports as JsonObject[]).filter((p) => p.targetPort === cPort.name),
          'Service port of the control channel',
        );
        const listen = flagValue(coordArgs, '--listen');
        expect(listen).toBe(`0.0.0.0:${String(cPort.containerPort)}`);

        const url = new URL(flagValue(agentArgs, '--coordinator'));
        const name = (service.metadata as JsonObject).name;
        expect(`${url.hostname}:${url.port}`).toBe(`${String(name)}:${String(port.port)}`);
        expect(url.protocol).toBe(variant === 'control-tls' ? 'wss:' : 'ws:');
      });

      it('the NetworkPolicy lets the agents (only) reach the coordinator on its control port', () => {
        const policy = only(
          set.objects.filter((o) => o.kind === 'NetworkPolicy'),
          'NetworkPolicy',
        );
        const matches = (selector: Json, labels: Json): boolean =>
          isObject(selector) &&
          isObject(selector.matchLabels) &&
          isObject(labels) &&
          Object.entries(selector.matchLabels).every(([k, v]) => labels[k] === v);
        const coordLabels = at(coordinator, 'spec.template.metadata.labels');
        const agentLabels = at(agents, 'spec.template.metadata.labels');
        expect(matches(at(policy, 'spec.podSelector'), coordLabels)).toBe(true);
        expect(matches(at(policy, 'spec.podSelector'), agentLabels)).toBe(false);
        const rules = at(policy, 'spec.ingress') as JsonObject[];
        const rule = only(
          rules.filter((r) => JSON.stringify(r.ports) === JSON.stringify([{ protocol: 'TCP', port: 'control' }])),
          'ingress rule of the control port',
        );
        const from = only(rule.from as JsonObject[], 'from');
        expect(matches(from.podSelector ?? null, agentLabels)).toBe(true);
        expect(matches(from.podSelector ?? null, coordLabels)).toBe(false);
        // Every other rule opens the metrics port alone: nothing but the agents reaches the control port.
        for (const other of rules.filter((r) => r !== rule)) expect(other.ports).toEqual([{ protocol: 'TCP', port: 'metrics' }]);
        const names = ((only(containers(coordinator), 'container').ports ?? []) as JsonObject[]).map((p) => p.name).sort();
        expect(names).toEqual(['control', 'metrics']);
      });

      it('the coordinator serves its Prometheus metrics where the container port, the Service, the scrape annotations and the NetworkPolicy say', () => {
        const listen = flagValue(coordArgs, '--metrics');
        const m = /^0\.0\.0\.0:(\d+)$/.exec(listen);
        expect(m, `--metrics ${listen}: every interface of the pod, or no scraper reaches it`).not.toBeNull();
        const port = Number(m?.[1]);
        const container = only(containers(coordinator), 'coordinator container');
        const cPort = only(
          ((container.ports ?? []) as JsonObject[]).filter((p) => p.name === 'metrics'),
          'container port "metrics"',
        );
        expect(cPort.containerPort).toBe(port);
        const svcPort = only(
          ((service.spec as JsonObject).ports as JsonObject[]).filter((p) => p.targetPort === 'metrics'),
          'Service port of the metrics',
        );
        expect([svcPort.name, svcPort.port]).toEqual(['http-metrics', port]);
        const scrape = { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' };
        expect(at(coordinator, 'spec.template.metadata.annotations')).toMatchObject(scrape);
        expect(at(service, 'metadata.annotations')).toMatchObject(scrape);
        // A ServiceMonitor selects the Service by these labels (docs/kubernetes.md).
        expect(at(service, 'metadata.labels')).toEqual({
          'app.kubernetes.io/name': 'wsload',
          'app.kubernetes.io/component': 'coordinator',
        });
        const policy = only(
          set.objects.filter((o) => o.kind === 'NetworkPolicy'),
          'NetworkPolicy',
        );
        const rule = only(
          (at(policy, 'spec.ingress') as JsonObject[]).filter(
            (r) => JSON.stringify(r.ports) === JSON.stringify([{ protocol: 'TCP', port: 'metrics' }]),
          ),
          'ingress rule of the metrics port',
        );
        expect(rule.from).toEqual([{ namespaceSelector: {} }]);
        // The agents serve no metrics: the coordinator's are every agent's sockets summed.
        expect(agentArgs).not.toContain('--metrics');
        // docs/kubernetes.md's ServiceMonitor (prometheus-operator) selects this Service and port by name.
        const doc = readFileSync(join(ROOT, 'docs/kubernetes.md'), 'utf8');
        const block = /```yaml\n(apiVersion: monitoring\.coreos\.com\/v1\nkind: ServiceMonitor[\s\S]*?)```/.exec(doc)?.[1];
        expect(block, 'the ServiceMonitor block of docs/kubernetes.md').toBeDefined();
        const monitor = parseAllDocuments(block ?? '')[0]?.toJS() as JsonObject;
        expect(at(monitor, 'spec.selector.matchLabels')).toEqual(at(service, 'metadata.labels'));
        expect(at(monitor, 'spec.endpoints.0.port')).toBe(svcPort.name);
      });

      it('every Secret, ConfigMap and volume claim the pods name exists, with the keys they read', () => {
        const reader = readYamlDocs(join(MANIFEST_DIR, 'report-reader.yaml'))[0]?.value as JsonObject;
        expect(referenceProblems(set, [reader, tokenSecret()])).toEqual([]);
        expect(referenceProblems(set, [reader])).toEqual([
          `${objectLabel(coordinator)}: refers to Secret/wsload-token, which no manifest defines`,
          `${objectLabel(agents)}: refers to Secret/wsload-token, which no manifest defines`,
        ]);
        // Both read the token from the same Secret key (WSLOAD_TOKEN).
        const tokenRef = (job: JsonObject): Json => {
          const env = (only(containers(job), 'container').env ?? []) as JsonObject[];
          return (
            only(
              env.filter((e) => e.name === 'WSLOAD_TOKEN'),
              'WSLOAD_TOKEN env',
            ).valueFrom ?? null
          );
        };
        expect(tokenRef(agents)).toEqual(tokenRef(coordinator));
      });

      it("the agents see the scenario's directory at the coordinator's path (TLS files travel as paths)", () => {
        const scenarioMount = (job: JsonObject): Json => {
          const spec = podSpec(job);
          const volume = only(
            (spec.volumes as JsonObject[]).filter((v) => isObject(v.configMap)),
            'ConfigMap volume',
          );
          const mount = only(
            ((only(containers(job), 'container').volumeMounts ?? []) as JsonObject[]).filter((m) => m.name === volume.name),
            'mount',
          );
          return { configMap: volume.configMap ?? null, mountPath: mount.mountPath ?? null };
        };
        expect(scenarioMount(agents)).toEqual(scenarioMount(coordinator));
      });

      it('the report lands on the volume the report reader mounts', () => {
        const container = only(containers(coordinator), 'coordinator container');
        expect(coordArgs).not.toContain('--out'); // reports/<name>-<time>.json relative to workingDir
        const mounts = container.volumeMounts as JsonObject[];
        const reports = only(
          mounts.filter((m) => m.mountPath === `${String(container.workingDir)}/reports`),
          'reports mount',
        );
        const volume = only(
          (podSpec(coordinator).volumes as JsonObject[]).filter((v) => v.name === reports.name),
          'reports volume',
        );
        const reader = readYamlDocs(join(MANIFEST_DIR, 'report-reader.yaml'))[0]?.value as JsonObject;
        const readerVolume = only(podSpec(reader).volumes as JsonObject[], 'reader volume');
        expect(readerVolume.persistentVolumeClaim).toEqual(volume.persistentVolumeClaim);
        const readerMount = only(only(containers(reader), 'reader container').volumeMounts as JsonObject[], 'reader mount');
        expect(readerMount.mountPath).toBe(reports.mountPath);
      });

      it('every pod runs as a non-root user on a read-only root file system, with the same image', () => {
        const reader = readYamlDocs(join(MANIFEST_DIR, 'report-reader.yaml'))[0]?.value as JsonObject;
        const images = new Set<string>();
        for (const obj of [coordinator, agents, reader]) {
          const pod = podSpec(obj);
          expect((pod.securityContext as JsonObject).runAsNonRoot, objectLabel(obj)).toBe(true);
          expect(pod.automountServiceAccountToken, objectLabel(obj)).toBe(false);
          for (const c of containers(obj)) {
            const sc = c.securityContext as JsonObject;
            expect([sc.readOnlyRootFilesystem, sc.allowPrivilegeEscalation], `${objectLabel(obj)} ${String(c.name)}`).toEqual([
              true,
              false,
            ]);
            images.add(String(c.image));
          }
        }
        expect([...images]).toEqual(['wsload:0.1.0']);
      });

      if (variant === 'control-tls') {
        it('TLS: the coordinator serves the generated certificate, the agents trust only its CA', () => {
          const mountPathOf = (job: JsonObject, file: string): string => {
            const c = only(containers(job), 'container');
            const mount = only(
              (c.volumeMounts as JsonObject[]).filter((m) => file.startsWith(`${String(m.mountPath)}/`)),
              `mount of ${file}`,
            );
            const volume = only(
              (podSpec(job).volumes as JsonObject[]).filter((v) => v.name === mount.name),
              'volume',
            );
            const secret = volume.secret as JsonObject;
            expect(set.generatedSecrets).toContain(secret.secretName);
            const items = (secret.items as JsonObject[]).map((i) => String(i.path));
            return items.includes(file.slice(String(mount.mountPath).length + 1))
              ? 'ok'
              : `${file} is not an item of ${String(secret.secretName)}`;
          };
          expect(mountPathOf(coordinator, flagValue(coordArgs, '--control-cert'))).toBe('ok');
          expect(mountPathOf(coordinator, flagValue(coordArgs, '--control-key'))).toBe('ok');
          expect(mountPathOf(agents, flagValue(agentArgs, '--control-ca'))).toBe('ok');
          const agentSecretItems = (podSpec(agents).volumes as JsonObject[]).flatMap((v) =>
            isObject(v.secret) ? (v.secret.items as JsonObject[]).map((i) => i.key) : [],
          );
          expect(agentSecretItems).toEqual(['ca.crt']);
          // The generator reads files users make; they must never be committed.
          const ignore = readFileSync(join(TLS, '.gitignore'), 'utf8');
          for (const f of set.generatorFiles) expect(ignore).toContain(`*.${f.split('.').at(-1) ?? ''}`);
        });
      }
    });
  }

  it.skipIf(missing('openssl'))(
    "docs/kubernetes.md's wss:// scenario passes `wsload validate` with its CA beside it, as in the ConfigMap",
    async () => {
      const doc = readFileSync(join(ROOT, 'docs/kubernetes.md'), 'utf8');
      const block = /```json\n(\{\n {2}"name": "gateway-fanout-wss"[\s\S]*?\n\})\n```/.exec(doc);
      expect(block, 'the wss:// scenario block').not.toBeNull();
      const dir = tempDir('wsload-k8s-wss-');
      const certs = await makeCertificates(join(dir, 'certs'), { name: 'a.aliyun.com' });
      writeFileSync(join(dir, 'ca.pem'), readFileSync(certs.caCert));
      // The placeholder stands for the gateway Service's cluster IP.
      writeFileSync(join(dir, 'scenario.json'), (block?.[1] ?? '').replace('GATEWAY-CLUSTER-IP', '10.96.0.10'));
      const res = await wsload(['validate', join(dir, 'scenario.json')]);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
    },
  );

  it('the ConfigMap scenario, at the path the coordinator reads, passes `wsload validate`, and the agents are sized for it', async () => {
    const set = kustomize(BASE);
    const coordinator = findByComponent(set.objects, 'Job', 'coordinator');
    const agents = findByComponent(set.objects, 'Job', 'agent');
    const args = containerArgv(only(containers(coordinator), 'container'), {});
    const scenarioPath = args[2] as string;
    const mount = only(
      (only(containers(coordinator), 'container').volumeMounts as JsonObject[]).filter((m) =>
        scenarioPath.startsWith(`${String(m.mountPath)}/`),
      ),
      'scenario mount',
    );
    const volume = only(
      (podSpec(coordinator).volumes as JsonObject[]).filter((v) => v.name === mount.name),
      'scenario volume',
    );
    const configMap = findObject(set.objects, 'ConfigMap', String((volume.configMap as JsonObject).name));
    const key = scenarioPath.slice(String(mount.mountPath).length + 1);
    const text = String((configMap.data as JsonObject)[key]);

    const dir = tempDir('wsload-k8s-');
    const file = join(dir, key);
    writeFileSync(file, text);
    const res = await wsload(['validate', file]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);

    // The arithmetic of agents-job.yaml: measured ~31 KB RSS per socket (at 10k sockets), the
    // process's fixed ~50 MB on top when it holds fewer; ~18k sockets per process under 20k files.
    const scenario = JSON.parse(text) as { connections: number };
    const perAgent = Math.ceil(scenario.connections / Number((agents.spec as JsonObject).completions));
    expect(perAgent).toBeLessThanOrEqual(18_000);
    const resources = only(containers(agents), 'agent container').resources as JsonObject;
    const request = bytes(String(at(resources, 'requests.memory')));
    expect(request).toBeGreaterThanOrEqual(perAgent * 31 * 1024 + 50 * 1024 ** 2);
    expect(bytes(String(at(resources, 'limits.memory')))).toBeGreaterThan(request);
  });
});

/** "Kind/name" → object, for comparing two renderings whatever their order. */
function byLabel(objects: readonly JsonObject[]): Record<string, JsonObject> {
  return Object.fromEntries(objects.map((o) => [objectLabel(o), o]));
}

// The offline check docs/kubernetes.md documents: kustomize itself (built into kubectl) renders
// each kustomization from the files alone. What it renders must be exactly the objects the tests
// above check (this file's own reading of the kustomizations), and each must pass its schema.
describe.skipIf(missing('kubectl'))('kubectl kustomize, the documented offline check', () => {
  it.each(['base', 'control-tls'])(
    '%s: renders with no cluster to exactly the objects checked above, each passing its schema',
    (variant) => {
      // A copy: the overlay's generator needs the three files users put beside it (git-ignored).
      const copy = tempDir('wsload-kustomize-');
      cpSync(MANIFEST_DIR, copy, { recursive: true });
      const generated: Record<string, string> = { 'tls.crt': 'CERTIFICATE\n', 'tls.key': 'KEY\n', 'ca.crt': 'CA\n' };
      if (variant === 'control-tls') for (const [name, text] of Object.entries(generated)) writeFileSync(join(copy, variant, name), text);
      // No kubeconfig: kustomize must not need a cluster (KUBECONFIG points nowhere).
      const yaml = execFileSync(partPath('kubectl'), ['kustomize', join(copy, variant)], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, KUBECONFIG: join(copy, 'no-such-kubeconfig') },
      });
      const rendered = parseAllDocuments(yaml).map((d) => d.toJS() as JsonObject);

      const ours = kustomize(join(MANIFEST_DIR, variant));
      const secrets = rendered.filter((o) => o.kind === 'Secret');
      expect(secrets.map((o) => (o.metadata as JsonObject).name)).toEqual(ours.generatedSecrets);
      for (const secret of secrets) {
        expect(Object.keys(secret.data as JsonObject).sort()).toEqual(ours.generatorFiles.map((f) => f.split('/').at(-1)).sort());
        for (const [key, value] of Object.entries(secret.data as JsonObject))
          expect(Buffer.from(String(value), 'base64').toString('utf8')).toBe(generated[key]);
      }
      const others = rendered.filter((o) => o.kind !== 'Secret');
      expect(byLabel(others)).toEqual(byLabel(ours.objects));
      expect(rendered.flatMap((o) => schemaProblems(`kubectl kustomize ${variant}`, o))).toEqual([]);
      expect(fieldProblems(rendered.map((obj) => ({ where: `kubectl kustomize ${variant}`, obj })))).toEqual([]);
    },
  );
});
