/**
 * Offline validation of Kubernetes manifests against the API's OpenAPI schemas, in two passes
 * over what `kubernetes-models` generates from them:
 *
 * 1. its ajv validators (types, formats, enums, required fields), through each model's
 *    `validate()`;
 * 2. its TypeScript types, for what those validators let through: a field the schema does not
 *    have (`readinesProbe`), which the API server would drop or refuse. Each manifest becomes an
 *    object literal typed as its model and TypeScript's excess-property check names the field.
 *
 * A kind this table does not know is an error, so a new kind of manifest cannot slip through.
 */
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import ts from 'typescript';
import { REPO_ROOT } from './repo-files.ts';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string };
  [field: string]: unknown;
}

interface Validatable {
  validate(): void;
}

const MODELS: Record<string, { model: new (data: never) => Validatable; module: string }> = {
  'apps/v1 Deployment': { model: Deployment, module: 'kubernetes-models/apps/v1' },
  'autoscaling/v2 HorizontalPodAutoscaler': {
    model: HorizontalPodAutoscaler,
    module: 'kubernetes-models/autoscaling/v2',
  },
  'policy/v1 PodDisruptionBudget': {
    model: PodDisruptionBudget,
    module: 'kubernetes-models/policy/v1',
  },
  'v1 ConfigMap': { model: ConfigMap, module: 'kubernetes-models/v1' },
  'v1 Namespace': { model: Namespace, module: 'kubernetes-models/v1' },
  'v1 Secret': { model: Secret, module: 'kubernetes-models/v1' },
  'v1 Service': { model: Service, module: 'kubernetes-models/v1' },
};

function modelOf(manifest: Manifest) {
  const entry = MODELS[`${manifest.apiVersion} ${manifest.kind}`];
  if (!entry) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  return entry;
}

/** Pass 1: throws with the schema's complaint when the manifest is not valid. */
export function validateManifest(manifest: Manifest): void {
  const { model: Model } = modelOf(manifest);
  new Model(manifest as never).validate();
}

/**
 * Pass 2: fields the manifests have that their kind's schema does not, as
 * `<index>: <TypeScript's message>` (index into `manifests`); empty when there are none.
 */
export function unknownFields(manifests: readonly Manifest[]): string[] {
  // In the test package, so that `kubernetes-models` resolves from its node_modules.
  const file = join(REPO_ROOT, 'test/repo/.k8s-manifests.generated.ts');
  const lines = manifests.map((manifest, index) => {
    const { module } = modelOf(manifest);
    return `export const m${index}: import('${module}').I${manifest.kind} = ${JSON.stringify(manifest)};`;
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile;
  const getSourceFile = host.getSourceFile;
  host.fileExists = (
    (exists) => (path: string) =>
      path === file || exists(path)
  )(host.fileExists);
  host.readFile = (path) => (path === file ? source : readFile(path));
  host.getSourceFile = (path, language, ...rest) =>
    path === file
      ? ts.createSourceFile(path, source, language, true)
      : getSourceFile(path, language, ...rest);
  const program = ts.createProgram([file], options, host);
  const sourceFile = program.getSourceFile(file);
  return ts.getPreEmitDiagnostics(program, sourceFile).map((diagnostic) => {
    const line =
      diagnostic.start === undefined || !diagnostic.file
        ? -1
        : diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line;
    return `${line}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
  });
}
