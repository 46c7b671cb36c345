// Validates Kubernetes objects against the official API definitions (Kubernetes 1.27, as shipped by the
// kubernetes-models package) in two passes:
// 1. JSON Schema (kubernetes-models' ajv validators, generated from the OpenAPI spec): types, required
//    fields, enums, integer formats.
// 2. Unknown fields: those schemas allow extra properties (the API server drops them silently, as
//    `kubectl apply` would warn about), so each object is also type-checked by the TypeScript compiler
//    against the model's interface, whose excess-property check rejects any field the API does not have
//    (a misspelt `readinesProbe` passes pass 1 and fails here).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import type { KubeObject } from "./kustomize.js";

const here = dirname(fileURLToPath(import.meta.url));

/** `apps/v1` + `Deployment` → `kubernetes-models/apps/v1/Deployment`; core `v1` → `kubernetes-models/v1/...`. */
export function modelModule(object: Pick<KubeObject, "apiVersion" | "kind">): string {
  if (!/^([a-z0-9.-]+\/)?v\d+(alpha\d+|beta\d+)?$/.test(object.apiVersion) || !/^[A-Z][A-Za-z]+$/.test(object.kind))
    throw new Error(`not a Kubernetes object: apiVersion "${object.apiVersion}", kind "${object.kind}"`);
  return `kubernetes-models/${object.apiVersion}/${object.kind}`;
}

function describe(object: KubeObject): string {
  return `${object.kind}/${object.metadata?.name ?? "(no name)"}`;
}

async function schemaErrors(object: KubeObject): Promise<string[]> {
  let module: Record<string, new (data: unknown) => { validate(): void }>;
  try {
    module = await import(modelModule(object));
  } catch {
    return [`${describe(object)}: no schema for ${object.apiVersion} ${object.kind}`];
  }
  const Model = module[object.kind]!;
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: Array<{ instancePath: string; message?: string }> }).errors;
    if (!errors) throw error;
    return errors.map((e) => `${describe(object)}: ${e.instancePath || "/"} ${e.message}`);
  }
}

function unknownFieldErrors(objects: KubeObject[]): string[] {
  const fileName = join(here, "__manifests_under_check.ts");
  // One declaration per object; `starts` maps a diagnostic's position back to the object it is in.
  const declarations = objects.map((object, index) => {
    const type = `import("${modelModule(object)}").I${object.kind}`;
    return `export const object${index}: ${type} = ${JSON.stringify(object, null, 1)};\n`;
  });
  const starts = declarations.map((_, index) => declarations.slice(0, index).join("").length);
  const source = declarations.join("");
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
  const readFile = host.readFile;
  const getSourceFile = host.getSourceFile;
  host.fileExists = (name) => name === fileName || ts.sys.fileExists(name);
  host.readFile = (name) => (name === fileName ? source : readFile.call(host, name));
  host.getSourceFile = (name, language, ...rest) =>
    name === fileName
      ? ts.createSourceFile(name, source, language, true)
      : getSourceFile.call(host, name, language, ...rest);
  const program = ts.createProgram([fileName], options, host);
  const sourceFile = program.getSourceFile(fileName)!;
  return ts.getPreEmitDiagnostics(program, sourceFile).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
    const at = diagnostic.start ?? -1;
    const index = starts.findLastIndex((start) => start <= at);
    const owner = index < 0 ? "manifests" : describe(objects[index]!);
    return `${owner}: ${message}`;
  });
}

/** Every problem found in the objects, one line each naming the object; empty when all are valid. */
export async function validateObjects(objects: KubeObject[]): Promise<string[]> {
  const errors: string[] = [];
  const withSchema: KubeObject[] = [];
  for (const object of objects) {
    const found = await schemaErrors(object);
    errors.push(...found);
    if (!found.some((e) => e.endsWith(`no schema for ${object.apiVersion} ${object.kind}`))) withSchema.push(object);
  }
  if (withSchema.length > 0) errors.push(...unknownFieldErrors(withSchema));
  return errors;
}
