"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { describeError, useTRPC } from "../trpc";

export function JoinTokens() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [description, setDescription] = useState("");
  const [ttlMinutes, setTtlMinutes] = useState("60");
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const create = useMutation(
    trpc.tokens.create.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.tokens.list.queryFilter()),
    }),
  );
  const revoke = useMutation(
    trpc.tokens.revoke.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.tokens.list.queryFilter()),
    }),
  );
  const errors = describeError(create.error);

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ description, ttlMinutes: Number(ttlMinutes) });
  }

  return (
    <section>
      <h2>Join tokens</h2>
      <p className="muted">A node joins once with a token, then uses its own credential.</p>
      <form className="row" onSubmit={submit}>
        <label>
          Description
          <input name="description" value={description} onChange={(event) => setDescription(event.target.value)} />
          {errors.fields.description && <span className="error">{errors.fields.description.join(", ")}</span>}
        </label>
        <label>
          Expires after (minutes)
          <input
            name="ttlMinutes"
            type="number"
            value={ttlMinutes}
            onChange={(event) => setTtlMinutes(event.target.value)}
          />
          {errors.fields.ttlMinutes && <span className="error">{errors.fields.ttlMinutes.join(", ")}</span>}
        </label>
        <button type="submit" disabled={create.isPending}>
          Create join token
        </button>
      </form>
      {errors.form && (
        <p className="error" role="alert">
          {errors.form}
        </p>
      )}
      {create.data && (
        <div role="status">
          <p>Copy this token now; it is not shown again:</p>
          <p className="secret" data-testid="new-token">
            {create.data.token}
          </p>
        </div>
      )}
      {tokens.error && <p className="error">{describeError(tokens.error).form}</p>}
      {tokens.data && (
        <table>
          <thead>
            <tr>
              <th>Description</th>
              <th>Status</th>
              <th>Created by</th>
              <th>Expires</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tokens.data.map((token) => (
              <tr key={token.id}>
                <td>{token.description || <span className="muted">none</span>}</td>
                <td>{token.status}</td>
                <td>{token.createdBy ?? "?"}</td>
                <td>{token.expiresAt.toLocaleString()}</td>
                <td>
                  {token.status === "active" && (
                    <button type="button" onClick={() => revoke.mutate({ id: token.id })}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
