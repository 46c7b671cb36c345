"use client";
import type { AllocationRefusal } from "@sluice/api";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { type FormEvent, useState } from "react";
import { describeError, useTRPC } from "../trpc";
import { LabelledInput } from "./field";
import { CoresAndQueues, SmtSharingCheckbox } from "./placement-fields";

export function AllocateForm({ nodeId, nics }: { nodeId: string; nics: string[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ app: "", version: "", cores: "1", queues: "1", nic: "", allowSmtSharing: false });
  const allocate = useMutation(
    trpc.allocation.allocate.mutationOptions({ onSuccess: () => queryClient.invalidateQueries() }),
  );
  const errors = describeError(allocate.error);
  const refusals =
    allocate.error instanceof TRPCClientError
      ? (allocate.error.data?.allocationRefusals as AllocationRefusal[] | null)
      : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    allocate.mutate({
      nodeId,
      app: form.app,
      version: form.version,
      cores: Number(form.cores),
      queues: Number(form.queues),
      nic: form.nic || undefined,
      allowSmtSharing: form.allowSmtSharing,
    });
  }

  const set = (key: keyof typeof form) => (event: { target: { value: string } }) =>
    setForm({ ...form, [key]: event.target.value });

  return (
    <form className="row" onSubmit={submit}>
      <LabelledInput label="App" name="app" value={form.app} onChange={set("app")} messages={errors.fields.app} />
      <LabelledInput
        label="Version"
        name="version"
        value={form.version}
        onChange={set("version")}
        size={8}
        messages={errors.fields.version}
      />
      <CoresAndQueues
        cores={form.cores}
        queues={form.queues}
        onCores={set("cores")}
        onQueues={set("queues")}
        messages={{ cores: errors.fields.cores, queues: errors.fields.queues }}
        size={4}
      />
      <label>
        NIC
        <select name="nic" value={form.nic} onChange={set("nic")}>
          <option value="">most free queues</option>
          {nics.map((nic) => (
            <option key={nic}>{nic}</option>
          ))}
        </select>
      </label>
      <SmtSharingCheckbox
        checked={form.allowSmtSharing}
        onChange={(allowSmtSharing) => setForm({ ...form, allowSmtSharing })}
      />
      <button type="submit" disabled={allocate.isPending}>
        Allocate
      </button>
      {allocate.data && (
        <p role="status">
          Placed on CPUs {allocate.data.cores.join(", ") || "none"}, queues {allocate.data.queues.join(", ") || "none"}
          {allocate.data.notes.length > 0 && ` (${allocate.data.notes.join("; ")})`}
        </p>
      )}
      {refusals ? (
        <ul className="error" role="alert">
          {refusals.map((refusal) => (
            <li key={refusal.nodeId + refusal.constraint}>
              {refusal.nodeName}: {refusal.constraint}: {refusal.message}
            </li>
          ))}
        </ul>
      ) : (
        errors.form && (
          <p className="error" role="alert">
            {errors.form}
          </p>
        )
      )}
    </form>
  );
}
