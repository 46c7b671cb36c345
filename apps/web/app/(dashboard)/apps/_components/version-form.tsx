"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { FieldError, LabelledInput } from "../../../../src/client/components/field";
import { CoresAndQueues, SmtSharingCheckbox } from "../../../../src/client/components/placement-fields";
import { describeError, useTRPC } from "../../../../src/client/trpc";

const BUILTINS = ["echo", "sockperf", "sink", "kv", "http"] as const;
type Builtin = (typeof BUILTINS)[number];

const initial = {
  version: "",
  artifactKind: "builtin" as "builtin" | "bundle" | "program",
  builtin: "echo" as Builtin,
  sha256: "",
  command: "",
  implementation: "native" as "native" | "ts",
  backend: "xdp" as "xdp" | "dpdk" | "tap" | "kernel",
  config: "{}",
  instancesPerNode: "1",
  nodeNames: "",
  cores: "1",
  queues: "1",
  allowSmtSharing: false,
};

/** The form for a new (immutable) version; server-side zod errors appear next to their fields. */
export function VersionForm({ appId }: { appId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const bundles = useQuery(trpc.apps.artifacts.queryOptions());
  const [form, setForm] = useState(initial);
  const [configError, setConfigError] = useState<string | null>(null);
  const create = useMutation(
    trpc.apps.createVersion.mutationOptions({
      onSuccess: () => {
        setForm(initial);
        return queryClient.invalidateQueries();
      },
    }),
  );
  const errors = describeError(create.error);
  const set = (key: keyof typeof form) => (event: { target: { value: string } }) =>
    setForm({ ...form, [key]: event.target.value });

  function artifact() {
    if (form.artifactKind === "builtin") return { kind: "builtin" as const, name: form.builtin };
    if (form.artifactKind === "bundle") return { kind: "bundle" as const, sha256: form.sha256 };
    return { kind: "program" as const, command: form.command.split(/\s+/).filter(Boolean) };
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    let config: Record<string, unknown>;
    try {
      config = JSON.parse(form.config || "{}");
      if (typeof config !== "object" || config === null || Array.isArray(config)) throw new Error("not an object");
      setConfigError(null);
    } catch {
      setConfigError("config must be a JSON object");
      return;
    }
    create.mutate({
      appId,
      version: form.version,
      artifact: artifact(),
      implementation: form.implementation,
      backend: form.backend,
      config,
      placement: {
        instancesPerNode: Number(form.instancesPerNode),
        nodeNames: form.nodeNames
          .split(",")
          .map((name) => name.trim())
          .filter(Boolean),
      },
      coresPerInstance: Number(form.cores),
      queuesPerInstance: Number(form.queues),
      allowSmtSharing: form.allowSmtSharing,
    });
  }

  return (
    <form className="row" onSubmit={submit} data-testid="version-form">
      <LabelledInput
        label="Version"
        name="version"
        value={form.version}
        onChange={set("version")}
        size={8}
        messages={errors.fields.version}
      />
      <label>
        Artifact
        <select name="artifact-kind" value={form.artifactKind} onChange={set("artifactKind")}>
          <option value="builtin">built-in</option>
          <option value="bundle">uploaded bundle</option>
          <option value="program">program</option>
        </select>
        <FieldError messages={errors.fields.artifact} />
      </label>
      {form.artifactKind === "builtin" && (
        <label>
          Built-in
          <select name="builtin" value={form.builtin} onChange={set("builtin")}>
            {BUILTINS.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </label>
      )}
      {form.artifactKind === "bundle" && (
        <label>
          Bundle
          <select name="sha256" value={form.sha256} onChange={set("sha256")}>
            <option value="">choose…</option>
            {bundles.data?.map((bundle) => (
              <option key={bundle.sha256} value={bundle.sha256}>
                {bundle.sha256.slice(0, 12)}… ({bundle.format}, {bundle.size} bytes)
              </option>
            ))}
          </select>
        </label>
      )}
      {form.artifactKind === "program" && (
        <label>
          Command
          <input
            name="command"
            value={form.command}
            onChange={set("command")}
            placeholder="/usr/bin/redis-server --port 6379"
          />
        </label>
      )}
      <label>
        Implementation
        <select name="implementation" value={form.implementation} onChange={set("implementation")}>
          <option value="native">native</option>
          <option value="ts">ts</option>
        </select>
      </label>
      <label>
        Backend
        <select name="backend" value={form.backend} onChange={set("backend")}>
          <option>xdp</option>
          <option>dpdk</option>
          <option>tap</option>
          <option>kernel</option>
        </select>
      </label>
      <label>
        Config (JSON)
        <textarea name="config" value={form.config} onChange={set("config")} rows={2} cols={24} />
        <FieldError messages={configError ? [configError] : errors.fields.config} />
      </label>
      <LabelledInput
        label="Instances per node"
        name="instances-per-node"
        type="number"
        min={1}
        value={form.instancesPerNode}
        onChange={set("instancesPerNode")}
        size={3}
        messages={errors.fields.placement}
      />
      <label>
        Nodes (comma-separated, empty = all ready)
        <input name="node-names" value={form.nodeNames} onChange={set("nodeNames")} />
      </label>
      <CoresAndQueues
        cores={form.cores}
        queues={form.queues}
        onCores={set("cores")}
        onQueues={set("queues")}
        messages={{ cores: errors.fields.coresPerInstance, queues: errors.fields.queuesPerInstance }}
        size={3}
      />
      <SmtSharingCheckbox
        checked={form.allowSmtSharing}
        onChange={(allowSmtSharing) => setForm({ ...form, allowSmtSharing })}
      />
      <button type="submit" disabled={create.isPending}>
        Create version
      </button>
      {errors.form && Object.keys(errors.fields).length === 0 && (
        <p className="error" role="alert">
          {errors.form}
        </p>
      )}
    </form>
  );
}
