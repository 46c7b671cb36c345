// The Kubernetes manifests, rendered as `kubectl apply -k` would, checked against the official API
// definitions (see kubernetes-schema.ts), and read for the properties the operator guide promises.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { validateObjects } from "./kubernetes-schema.js";
import { applyJsonPatch, type KubeObject, parseManifests, renderKustomization } from "./kustomize.js";

const k8s = join(dirname(fileURLToPath(import.meta.url)), "..", "k8s");
const agentUnit = join(dirname(fileURLToPath(import.meta.url)), "..", "systemd", "sluice-agent.service");

// Rendered YAML is untyped; the tests read into it freely and the validator is what checks its shape.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Yaml = any;
type PodTemplate = { spec: { replicas?: number; template: { spec: Record<string, Yaml> } } };
const find = (objects: KubeObject[], kind: string, name: string) => {
  const object = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!object) throw new Error(`${kind}/${name} not rendered`);
  return object as KubeObject & PodTemplate;
};
const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;

describe.each(["base", "overlays/dev"])("kustomize %s", (dir) => {
  let objects: KubeObject[];
  beforeAll(() => {
    objects = renderKustomization(join(k8s, dir));
  });

  it("renders every object valid against the Kubernetes API schemas, with no unknown field", async () => {
    expect(objects.map((o) => o.kind).sort()).toEqual([
      "ConfigMap",
      "ConfigMap",
      "DaemonSet",
      "Deployment",
      "PodDisruptionBudget",
      "Service",
    ]);
    expect(await validateObjects(objects)).toEqual([]);
  });

  it("selectors match their pod templates, and the Service and PDB select the control plane", () => {
    for (const o of objects.filter((x) => x.kind === "Deployment" || x.kind === "DaemonSet")) {
      const { selector, template } = o.spec as { selector: Yaml; template: Yaml };
      expect(template.metadata.labels).toMatchObject(selector.matchLabels);
    }
    const pods = find(objects, "Deployment", "sluice-control-plane").spec.template;
    const service = find(objects, "Service", "sluice-control-plane") as Yaml;
    expect((pods as Yaml).metadata.labels).toMatchObject(service.spec.selector);
    const pdb = find(objects, "PodDisruptionBudget", "sluice-control-plane") as Yaml;
    expect((pods as Yaml).metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
    const port = pods.spec.containers[0].ports[0];
    expect(service.spec.ports[0].targetPort).toBe(port.name);
  });

  it("gives the agent the systemd unit's capabilities and nothing else, without privileged mode", () => {
    const unitCaps = /^CapabilityBoundingSet=(.*)$/m
      .exec(readFileSync(agentUnit, "utf8"))![1]!
      .split(" ")
      .map((c) => c.replace(/^CAP_/, ""));
    const agent = find(objects, "DaemonSet", "sluice-agent").spec.template.spec;
    const security = agent.containers[0].securityContext;
    expect(security.privileged).toBe(false);
    expect(security.capabilities.drop).toEqual(["ALL"]);
    expect([...security.capabilities.add].sort()).toEqual(unitCaps.sort());
    expect(agent.hostNetwork).toBe(true);
    expect(agent.containers[0].livenessProbe.httpGet).toMatchObject({ path: "/metrics", host: "127.0.0.1" });
  });

  it("runs the control plane as non-root on a read-only root, with DATABASE_URL from a Secret", () => {
    const pod = find(objects, "Deployment", "sluice-control-plane").spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const container = pod.containers[0];
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.env.find((e: Yaml) => e.name === "DATABASE_URL").valueFrom.secretKeyRef).toBeDefined();
    expect(container.readinessProbe.httpGet.path).toBe("/api/health");
  });

  it("agrees with the real kustomize where kubectl is installed", (context) => {
    const kubectl = spawnSync("kubectl", ["kustomize", join(k8s, dir)], { encoding: "utf8" });
    if (kubectl.error) {
      // kubectl is not a project dependency (Debian's kubernetes-client 1.20 is too old to rely on).
      context.skip();
    }
    expect(kubectl.status, kubectl.stderr).toBe(0);
    const theirs = parseManifests(kubectl.stdout, "kubectl kustomize");
    const byKey = (list: KubeObject[]) => Object.fromEntries(list.map((o) => [key(o), o]));
    expect(byKey(objects)).toEqual(byKey(theirs));
  });
});

describe("the overlays", () => {
  it("base runs three control-plane replicas in namespace sluice; dev one, in sluice-dev, without hugepages", () => {
    const base = renderKustomization(join(k8s, "base"));
    const dev = renderKustomization(join(k8s, "overlays/dev"));
    expect(find(base, "Deployment", "sluice-control-plane").spec.replicas).toBe(3);
    expect(find(dev, "Deployment", "sluice-control-plane").spec.replicas).toBe(1);
    expect(new Set(base.map((o) => o.metadata.namespace))).toEqual(new Set(["sluice"]));
    expect(new Set(dev.map((o) => o.metadata.namespace))).toEqual(new Set(["sluice-dev"]));
    const devAgent = find(dev, "DaemonSet", "sluice-agent").spec.template.spec;
    expect(JSON.stringify(devAgent)).not.toMatch(/huge/i);
    expect(devAgent.containers[0].image).toBe("sluice:dev");
    expect(JSON.stringify(find(base, "DaemonSet", "sluice-agent"))).toMatch(/hugepages-2Mi/);
  });
});

describe("the validator itself", () => {
  const valid = renderKustomization(join(k8s, "base"));
  const deployment = () => structuredClone(find(valid, "Deployment", "sluice-control-plane"));

  it("rejects a misspelt field, naming the object and the field", async () => {
    const bad = deployment();
    bad.spec.template.spec.containers[0].readinesProbe = { httpGet: { path: "/", port: 80 } };
    const errors = await validateObjects([bad]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^Deployment\/sluice-control-plane: .*readinesProbe/);
  });

  it("rejects a wrong type and a missing required field", async () => {
    const bad = deployment();
    (bad.spec as Yaml).replicas = "3";
    delete bad.spec.template.spec.containers[0].name;
    const errors = (await validateObjects([bad])).join("\n");
    expect(errors).toMatch(/\/spec\/replicas must be integer/);
    expect(errors).toMatch(/containers\/0 must have required property name/);
  });

  it("rejects a kind it has no schema for and a kustomization field it does not implement", async () => {
    expect(await validateObjects([{ apiVersion: "v1", kind: "Pdo", metadata: { name: "x" } }])).toEqual([
      "Pdo/x: no schema for v1 Pdo",
    ]);
    expect(() => renderKustomization(join(k8s, "..", "validate", "fixtures", "unsupported"))).toThrow(
      /"commonLabels" is not supported/,
    );
  });

  it("applies JSON patches like RFC 6902 and refuses paths that do not exist", () => {
    const doc = { a: [1, 2, 3], b: { "c/d": 1 } };
    expect(applyJsonPatch(doc, [{ op: "remove", path: "/a/1" }])).toEqual({ a: [1, 3], b: { "c/d": 1 } });
    expect(applyJsonPatch(doc, [{ op: "add", path: "/a/-", value: 4 }]).a).toEqual([1, 2, 3, 4]);
    expect(applyJsonPatch(doc, [{ op: "replace", path: "/b/c~1d", value: 2 }]).b).toEqual({ "c/d": 2 });
    expect(() => applyJsonPatch(doc, [{ op: "remove", path: "/a/3" }])).toThrow(/no element 3/);
    expect(() => applyJsonPatch(doc, [{ op: "replace", path: "/x/y", value: 1 }])).toThrow(/does not exist/);
    expect(doc.a).toEqual([1, 2, 3]);
  });
});
