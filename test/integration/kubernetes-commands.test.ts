/**
 * The exact coordinator and agent commands of deploy/kubernetes, run as local processes the way
 * the kubelet would run them: command (the image's ENTRYPOINT) + args from the manifests, the
 * environment from their env (the token from the Secret, JOB_COMPLETION_INDEX = 0..N-1 as the
 * Job controller sets it), the ConfigMap written at its mount path and the volumes under a temp
 * root, the Service's DNS name and the listen address mapped to 127.0.0.1 and a free port. The
 * scenario keeps every key of the ConfigMap except the target (the built-in target on loopback)
 * and its size (a few sockets per agent for a few seconds).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startWsload, type RunningCli } from '../helpers/cli.js';
import {
  MANIFEST_DIR,
  at,
  containerArgv,
  containerEnv,
  findByComponent,
  findObject,
  isObject,
  kustomize,
  readYamlDocs,
  type JsonObject,
} from '../helpers/manifests.js';
import { parsePromText, sampleValue } from '../helpers/prom-text.js';
import { closeAfterEach, tempDir } from '../helpers/run-helpers.js';
import { missing, partPath } from '../helpers/real-parts.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import type { Report } from '../../dist/run/report.js';
import { startPublishTarget } from '../helpers/servers.js';
import { freePort } from '../helpers/wait.js';

const SOCKETS_PER_AGENT = 10;
const PUBLISH_RATE = 5;
const HOLD = '3s';
// Each process is killed after PROCESS_LIMIT_MS (an agent that never comes would keep the
// coordinator waiting its --agent-wait of 5 minutes); the test outlives that to report why.
const PROCESS_LIMIT_MS = 90_000;
const TEST_LIMIT_MS = 120_000;

const track = closeAfterEach();
const running: RunningCli[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.kill('SIGKILL');
});

/** Files of Secrets kustomize generates from files the user provides: secret name → key → content. */
type SecretFiles = Record<string, Record<string, string>>;

/** A pod's files under root: ConfigMap and generated-Secret volumes written out, other volumes as empty directories (PVCs shared by path). */
function mountVolumes(
  root: string,
  job: JsonObject,
  objects: JsonObject[],
  rewriteScenario: (text: string) => string,
  secrets: SecretFiles,
): string[] {
  const spec = at(job, 'spec.template.spec') as JsonObject;
  const container = (spec.containers as JsonObject[])[0] as JsonObject;
  const mountPaths: string[] = [];
  for (const mount of (container.volumeMounts ?? []) as JsonObject[]) {
    const mountPath = String(mount.mountPath);
    mountPaths.push(mountPath);
    const dir = join(root, mountPath);
    mkdirSync(dir, { recursive: true });
    const volume = (spec.volumes as JsonObject[]).find((v) => v.name === mount.name) as JsonObject;
    if (isObject(volume.configMap)) {
      const data = findObject(objects, 'ConfigMap', String(volume.configMap.name)).data as JsonObject;
      // Only the scenario is rewritten; other keys (a wss:// target's ca.pem) go as they are.
      for (const [key, text] of Object.entries(data))
        writeFileSync(join(dir, key), key.endsWith('.json') ? rewriteScenario(String(text)) : String(text));
    }
    if (isObject(volume.secret)) {
      const files = secrets[String(volume.secret.secretName)];
      if (files === undefined) throw new Error(`no files for Secret ${String(volume.secret.secretName)}`);
      for (const item of volume.secret.items as JsonObject[]) writeFileSync(join(dir, String(item.path)), files[String(item.key)] ?? '');
    }
  }
  return mountPaths;
}

/** Paths inside a mount (or the working directory) → the same path under root. */
function underRoot(root: string, args: string[], mountPaths: string[]): string[] {
  return args.map((a) => (mountPaths.some((m) => a === m || a.startsWith(`${m}/`)) ? join(root, a) : a));
}

/** The kubelet's argv with the image's `wsload` entrypoint run as this checkout's built bin. */
function localArgv(argv: string[]): string[] {
  expect(argv[0]).toBe('wsload');
  return argv.slice(1);
}

/** Runs the coordinator and the agents of a kustomization as local processes; checks the one report. */
async function runManifests(dir: string, secrets: SecretFiles = {}): Promise<void> {
  const target = track(await startPublishTarget());
  // The token Secret is created by the user before `kubectl apply -k` (token-secret.yaml shows it).
  const token = readYamlDocs(join(MANIFEST_DIR, 'token-secret.yaml'))[0]?.value as JsonObject;
  const objects = [...kustomize(join(MANIFEST_DIR, dir)).objects, token];
  const coordinator = findByComponent(objects, 'Job', 'coordinator');
  const agents = findByComponent(objects, 'Job', 'agent');
  const service = objects.find((o) => o.kind === 'Service') as JsonObject;
  const agentCount = Number(at(agents, 'spec.completions'));
  const connections = SOCKETS_PER_AGENT * agentCount;

  const root = tempDir('wsload-k8s-root-');
  const rewrite = (text: string): string => {
    const scenario = JSON.parse(text) as Record<string, unknown>;
    return JSON.stringify({
      ...scenario,
      target: { url: target.wsUrl },
      connections,
      duration: HOLD,
      publish: { ...(scenario.publish as object), rate: PUBLISH_RATE },
    });
  };

  const port = await freePort();
  const metricsPort = await freePort();
  const coordContainer = (at(coordinator, 'spec.template.spec.containers') as JsonObject[])[0] as JsonObject;
  const containerPort = (name: string): number =>
    Number(((coordContainer.ports ?? []) as JsonObject[]).find((p) => p.name === name)?.containerPort);
  const coordMounts = mountVolumes(root, coordinator, objects, rewrite, secrets);
  const cwd = join(root, String(coordContainer.workingDir));
  mkdirSync(cwd, { recursive: true });
  // The pod's listen addresses (every interface, fixed ports) → loopback and free ports here.
  const local: Record<string, string> = {
    [`0.0.0.0:${containerPort('control')}`]: `127.0.0.1:${port}`,
    [`0.0.0.0:${containerPort('metrics')}`]: `127.0.0.1:${metricsPort}`,
  };
  const coordArgv = underRoot(root, containerArgv(coordContainer, containerEnv(coordContainer, objects)), coordMounts).map(
    (a) => local[a] ?? a,
  );
  expect(coordArgv).toContain(`127.0.0.1:${port}`);
  expect(coordArgv).toContain(`127.0.0.1:${metricsPort}`);
  const coordProc = startWsload(localArgv(coordArgv), { cwd, env: containerEnv(coordContainer, objects), timeoutMs: PROCESS_LIMIT_MS });
  running.push(coordProc);

  const agentContainer = (at(agents, 'spec.template.spec.containers') as JsonObject[])[0] as JsonObject;
  const serviceAddress = `${String(at(service, 'metadata.name'))}:${String(at(service, 'spec.ports.0.port'))}`;
  const agentProcs: RunningCli[] = [];
  for (let index = 0; index < agentCount; index++) {
    // The Job controller sets JOB_COMPLETION_INDEX in each pod of an Indexed Job.
    const env = containerEnv(agentContainer, objects, { JOB_COMPLETION_INDEX: String(index) });
    const mounts = mountVolumes(root, agents, objects, rewrite, secrets);
    const argv = underRoot(root, containerArgv(agentContainer, env), mounts).map((a) =>
      a.replace(`//${serviceAddress}`, `//127.0.0.1:${port}`),
    );
    expect(argv.join(' ')).toContain(`127.0.0.1:${port}`);
    const proc = startWsload(localArgv(argv), { cwd: root, env, timeoutMs: PROCESS_LIMIT_MS });
    running.push(proc);
    agentProcs.push(proc);
  }

  // What a Prometheus scraping the pod's metrics port sees during the run: every agent's sockets.
  let ended = false;
  void coordProc.exited.then(() => (ended = true));
  let openSeen = 0;
  let scrapes = 0;
  while (!ended) {
    const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
      (r) => (r.ok ? r.text() : ''),
      () => '',
    );
    if (text !== '') scrapes++;
    openSeen = Math.max(openSeen, sampleValue(parsePromText(text), 'wsload_sockets_open') ?? 0);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  const coordExit = await coordProc.exited;
  const agentExits = await Promise.all(agentProcs.map((p) => p.exited));
  const detail = `coordinator: ${coordExit.stderr}\n${agentExits.map((e, i) => `agent ${i}: ${e.stderr}`).join('\n')}`;
  expect(coordExit.code, detail).toBe(0);
  expect(
    agentExits.map((e) => e.code),
    detail,
  ).toEqual(agentExits.map(() => 0));

  const reportsDir = join(cwd, 'reports');
  const files = readdirSync(reportsDir).filter((f) => f.endsWith('.json'));
  expect(files, `reports in ${reportsDir}`).toHaveLength(1);
  const report = JSON.parse(readFileSync(join(reportsDir, files[0] as string), 'utf8')) as Report;
  expect(report.connections.target).toBe(connections);
  expect(report.connections.failed).toBe(0);
  expect(report.fanout.published).toBeGreaterThan(0);
  expectDeliveredExactly(report, connections);
  // The target pushed exactly what the report counts: no agent's sockets went uncounted.
  expect(target.delivered()).toBe(report.fanout.delivered);
  expect(report.shards, 'report.shards').toHaveLength(agentCount);
  expect(report.shards?.map((s) => s.lost)).toEqual(report.shards?.map(() => false));
  expect(report.shards?.reduce((n, s) => n + s.sockets, 0)).toBe(connections);
  expect(report.shards?.map((s) => s.index).sort((a, b) => a - b)).toEqual([...Array(agentCount).keys()]);
  expect(scrapes, 'scrapes of the metrics port answered during the run').toBeGreaterThan(0);
  expect(openSeen, "wsload_sockets_open at its highest: every agent's sockets").toBe(connections);
}

/** The control-tls overlay's files, made as docs/kubernetes.md says, plus an IP SAN for 127.0.0.1: the address the test dials instead of the Service name. */
function controlCertificate(): Record<string, string> {
  const dir = tempDir('wsload-k8s-tls-');
  execFileSync(
    partPath('openssl'),
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '30',
      '-subj',
      '/CN=wsload-coordinator',
      '-addext',
      'subjectAltName=DNS:wsload-coordinator,IP:127.0.0.1',
      '-keyout',
      join(dir, 'tls.key'),
      '-out',
      join(dir, 'tls.crt'),
    ],
    { stdio: 'ignore', timeout: 10_000 },
  );
  const cert = readFileSync(join(dir, 'tls.crt'), 'utf8');
  return { 'tls.crt': cert, 'tls.key': readFileSync(join(dir, 'tls.key'), 'utf8'), 'ca.crt': cert };
}

describe('deploy/kubernetes commands, run as local processes', () => {
  it(
    'base: the coordinator and N agents write one report with every delivery and N shards',
    async () => {
      await runManifests('base');
    },
    TEST_LIMIT_MS,
  );

  it.skipIf(missing('openssl'))(
    'control-tls: the same over wss:// with the generated certificate',
    async () => {
      await runManifests('control-tls', { 'wsload-control-tls': controlCertificate() });
    },
    TEST_LIMIT_MS,
  );
});
