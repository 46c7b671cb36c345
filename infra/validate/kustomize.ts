// Renders a kustomization the way `kubectl kustomize` does, for the few features Sluice's manifests
// use: resources (files and directories), namespace, replicas, images and JSON 6902 patches. Anything
// else in a kustomization.yaml is refused by name, so a feature this renderer does not know can never be
// silently ignored. manifests.test.ts compares its output with the real kustomize when kubectl exists.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse, parseAllDocuments } from "yaml";

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
};

interface JsonPatchOp {
  op: "add" | "remove" | "replace";
  path: string;
  value?: unknown;
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  resources?: string[];
  replicas?: Array<{ name: string; count: number }>;
  images?: Array<{ name: string; newName?: string; newTag?: string; digest?: string }>;
  patches?: Array<{ target: { kind: string; name: string }; patch: string }>;
}

const KNOWN_FIELDS = new Set(["apiVersion", "kind", "namespace", "resources", "replicas", "images", "patches"]);
const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "PriorityClass", "StorageClass"]);
const SCALABLE = new Set(["Deployment", "ReplicaSet", "StatefulSet"]);

/** Kubernetes reads YAML 1.1 (e.g. `0400` is octal there and decimal in YAML 1.2). */
export function parseManifests(text: string, source: string): KubeObject[] {
  return parseAllDocuments(text, { version: "1.1" })
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]!.message}`);
      return doc.toJS() as KubeObject | null;
    })
    .filter((object): object is KubeObject => object !== null);
}

export function renderKustomization(directory: string): KubeObject[] {
  const file = join(directory, "kustomization.yaml");
  if (!existsSync(file)) throw new Error(`${directory}: no kustomization.yaml`);
  const kustomization = parse(readFileSync(file, "utf8"), { version: "1.1" }) as Kustomization;
  for (const key of Object.keys(kustomization)) {
    if (!KNOWN_FIELDS.has(key)) throw new Error(`${file}: "${key}" is not supported by this renderer`);
  }

  let objects: KubeObject[] = [];
  for (const entry of kustomization.resources ?? []) {
    const path = resolve(directory, entry);
    objects.push(
      ...(statSync(path).isDirectory() ? renderKustomization(path) : parseManifests(readFileSync(path, "utf8"), path)),
    );
  }
  for (const { target, patch } of kustomization.patches ?? []) {
    const matches = objects.filter((o) => o.kind === target.kind && o.metadata.name === target.name);
    if (matches.length === 0) throw new Error(`${file}: patch target ${target.kind}/${target.name} not found`);
    const ops = parse(patch, { version: "1.1" }) as JsonPatchOp[];
    objects = objects.map((o) => (matches.includes(o) ? applyJsonPatch(o, ops) : o));
  }
  if (kustomization.namespace) {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = kustomization.namespace;
  }
  for (const image of kustomization.images ?? []) for (const o of objects) retagImages(o, image);
  for (const { name, count } of kustomization.replicas ?? []) {
    const targets = objects.filter((o) => SCALABLE.has(o.kind) && o.metadata.name === name);
    if (targets.length === 0) throw new Error(`${file}: replicas for ${name}: no Deployment/StatefulSet of that name`);
    for (const o of targets) (o.spec as { replicas?: number }).replicas = count;
  }
  return objects;
}

/** RFC 6902 add/remove/replace on a copy; a path that does not exist is an error, as in kustomize. */
export function applyJsonPatch<T>(document: T, ops: JsonPatchOp[]): T {
  const result = structuredClone(document);
  for (const { op, path, value } of ops) {
    if (op !== "add" && op !== "remove" && op !== "replace") throw new Error(`patch op "${op}" is not supported`);
    const keys = path
      .split("/")
      .slice(1)
      .map((key) => key.replaceAll("~1", "/").replaceAll("~0", "~"));
    const last = keys.pop();
    if (last === undefined) throw new Error(`patch path "${path}" names the whole document`);
    let parent: unknown = result;
    for (const key of keys) {
      parent = (parent as Record<string, unknown> | undefined)?.[key];
      if (parent === null || typeof parent !== "object") throw new Error(`patch path "${path}" does not exist`);
    }
    if (Array.isArray(parent)) {
      const index = last === "-" ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > parent.length || (op !== "add" && index === parent.length))
        throw new Error(`patch path "${path}": no element ${last}`);
      parent.splice(index, op === "add" ? 0 : 1, ...(op === "remove" ? [] : [value]));
    } else {
      const record = parent as Record<string, unknown>;
      if (op !== "add" && !(last in record)) throw new Error(`patch path "${path}" does not exist`);
      if (op === "remove") delete record[last];
      else record[last] = value;
    }
  }
  return result;
}

function retagImages(object: KubeObject, image: NonNullable<Kustomization["images"]>[number]): void {
  const podSpec = (object.spec as { template?: { spec?: Record<string, unknown> } } | undefined)?.template?.spec;
  if (!podSpec) return;
  for (const list of ["initContainers", "containers"]) {
    for (const container of (podSpec[list] as Array<{ image?: string }> | undefined) ?? []) {
      if (!container.image) continue;
      const match = /^([^@]+?)(?::([^:/@]+))?(?:@(.+))?$/.exec(container.image);
      if (!match || match[1] !== image.name) continue;
      const name = image.newName ?? match[1];
      const tag = image.newTag ?? match[2];
      const digest = image.digest ?? match[3];
      container.image = digest ? `${name}@${digest}` : tag ? `${name}:${tag}` : name;
    }
  }
}
