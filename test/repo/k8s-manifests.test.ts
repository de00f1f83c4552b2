/**
 * infra/k8s: every manifest validates against the Kubernetes OpenAPI schemas, offline
 * (`kubernetes-models`: the schemas ship inside the package), and the manifests agree with each
 * other and with the services — what a schema cannot see: selectors that match, the Secret keys
 * and ConfigMap the pods read, known SPOOL_* variables, probes on /readyz and /healthz, a grace
 * period that covers the drain.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { KNOWN_VARIABLES } from '@spool/runtime';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type Manifest, unknownFields, validateManifest } from './k8s-validate.ts';
import { REPO_ROOT, readRepoFile } from './repo-files.ts';

const FOLDER = 'infra/k8s';
const files = readdirSync(join(REPO_ROOT, FOLDER))
  .filter((name) => name.endsWith('.yaml') && name !== 'kustomization.yaml')
  .sort();
const manifests: { file: string; manifest: Manifest }[] = files.flatMap((file) =>
  parseAllDocuments(readRepoFile(`${FOLDER}/${file}`)).map((document) => ({
    file,
    manifest: document.toJS() as Manifest,
  })),
);
const ofKind = (kind: string) =>
  manifests.map(({ manifest }) => manifest).filter((manifest) => manifest.kind === kind);
// biome-ignore lint/suspicious/noExplicitAny: manifests are checked by shape below, field by field.
type Loose = any;

describe('Kubernetes manifests (infra/k8s)', () => {
  it('are all listed in kustomization.yaml', () => {
    const kustomization = parseAllDocuments(
      readRepoFile(`${FOLDER}/kustomization.yaml`),
    )[0]?.toJS();
    expect([...(kustomization.resources as string[])].sort()).toEqual(files);
  });

  it.each(manifests.map(({ file, manifest }) => [`${file}: ${manifest.kind}`, manifest] as const))(
    'validate against the Kubernetes schemas: %s',
    (_name, manifest) => {
      expect(() => validateManifest(manifest)).not.toThrow();
    },
  );

  it('have no field that their schema lacks', () => {
    expect(unknownFields(manifests.map(({ manifest }) => manifest))).toEqual([]);
  }, 30_000);

  it.each([
    ['a misspelled field', (pod: Loose) => (pod.containers[0].readinesProbe = {})],
    ['a string where a number goes', (pod: Loose) => (pod.terminationGracePeriodSeconds = 'ten')],
    ['an unknown enum value', (pod: Loose) => (pod.restartPolicy = 'Sometimes')],
    ['a missing required field', (pod: Loose) => delete pod.containers[0].name],
  ])(
    'fail validation with %s',
    (_name, spoil) => {
      const deployment = structuredClone(ofKind('Deployment')[0]) as Loose;
      spoil(deployment.spec.template.spec);
      const problems = [...unknownFields([deployment])];
      try {
        validateManifest(deployment);
      } catch (error) {
        problems.push(String(error));
      }
      expect(problems).not.toEqual([]);
    },
    30_000,
  );

  it('select their pods: Services, autoscalers and disruption budgets name what exists', () => {
    const deployments = ofKind('Deployment') as Loose[];
    const labelsOf = (name: string) =>
      deployments.find((deployment) => deployment.metadata.name === name)?.spec.template.metadata
        .labels;
    const matches = (selector: Record<string, string>) =>
      deployments.some((deployment) =>
        Object.entries(selector).every(
          ([key, value]) => deployment.spec.template.metadata.labels[key] === value,
        ),
      );
    for (const service of ofKind('Service') as Loose[])
      expect(matches(service.spec.selector)).toBe(true);
    for (const budget of ofKind('PodDisruptionBudget') as Loose[]) {
      expect(matches(budget.spec.selector.matchLabels)).toBe(true);
    }
    for (const autoscaler of ofKind('HorizontalPodAutoscaler') as Loose[]) {
      expect(labelsOf(autoscaler.spec.scaleTargetRef.name)).toBeDefined();
    }
    for (const deployment of deployments) {
      expect(deployment.spec.selector.matchLabels).toEqual(
        expect.objectContaining(deployment.spec.template.metadata.labels),
      );
    }
    expect(ofKind('HorizontalPodAutoscaler')).toHaveLength(deployments.length);
    expect(ofKind('PodDisruptionBudget')).toHaveLength(deployments.length);
  });

  it('read only the Secret keys, ConfigMap and SPOOL_* variables that exist', () => {
    const secrets = new Map(
      (ofKind('Secret') as Loose[]).map((secret) => [
        secret.metadata.name,
        Object.keys({ ...secret.stringData, ...secret.data }),
      ]),
    );
    const configMaps = new Map(
      (ofKind('ConfigMap') as Loose[]).map((map) => [map.metadata.name, Object.keys(map.data)]),
    );
    for (const keys of configMaps.values()) {
      for (const key of keys) expect(KNOWN_VARIABLES.has(key) || key === 'REDIS_URL').toBe(true);
    }
    for (const deployment of ofKind('Deployment') as Loose[]) {
      for (const container of deployment.spec.template.spec.containers) {
        for (const source of container.envFrom ?? []) {
          expect(configMaps.has(source.configMapRef.name)).toBe(true);
        }
        for (const variable of container.env ?? []) {
          expect(variable.name === 'REDIS_URL' || KNOWN_VARIABLES.has(variable.name)).toBe(true);
          const reference = variable.valueFrom?.secretKeyRef;
          if (reference) expect(secrets.get(reference.name)).toContain(reference.key);
        }
      }
    }
  });

  it('probe the gateways on /readyz and /healthz, and give the drain time', () => {
    const gateway = (ofKind('Deployment') as Loose[]).find(
      (deployment) => deployment.metadata.name === 'spool-gateway',
    );
    const pod = gateway.spec.template.spec;
    const container = pod.containers[0];
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    const preStopSeconds = Number(container.lifecycle.preStop.exec.command.at(-1));
    const graceSeconds = secondsOf(
      container.env.find((variable: Loose) => variable.name === 'SPOOL_SHUTDOWN_GRACE_MS').value,
    );
    // The gateway exits at most its grace + 5 s after SIGTERM (services/gateway/src/server.ts).
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(
      preStopSeconds + graceSeconds + 5,
    );
  });
});

function secondsOf(duration: string): number {
  const match = /^(\d+)(ms|s)?$/.exec(duration);
  if (!match) throw new Error(`not a duration this test reads: ${duration}`);
  return match[2] === 's' ? Number(match[1]) : Number(match[1]) / 1_000;
}
