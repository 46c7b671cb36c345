"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { LabelledInput } from "../../../../src/client/components/field";
import { describeError, useTRPC } from "../../../../src/client/trpc";

export function CreateAppForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const create = useMutation(
    trpc.apps.create.mutationOptions({
      onSuccess: async (app) => {
        await queryClient.invalidateQueries();
        router.push(`/apps/${app.id}`);
      },
    }),
  );
  const errors = describeError(create.error);
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ name });
  }
  return (
    <form className="row" onSubmit={submit}>
      <LabelledInput
        label="Name"
        name="app-name"
        value={name}
        onChange={(event) => setName(event.target.value)}
        messages={errors.fields.name}
      />
      <button type="submit" disabled={create.isPending}>
        Create app
      </button>
      {errors.form && !errors.fields.name && (
        <p className="error" role="alert">
          {errors.form}
        </p>
      )}
    </form>
  );
}
