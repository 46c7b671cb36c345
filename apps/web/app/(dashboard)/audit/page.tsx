"use client";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { describeError, useTRPC } from "../../../src/client/trpc";

function json(value: unknown): string {
  return value === null || value === undefined ? "" : JSON.stringify(value);
}

export default function AuditPage() {
  const trpc = useTRPC();
  const [actor, setActor] = useState("");
  const [action, setAction] = useState("");
  const audit = useQuery({
    ...trpc.audit.list.queryOptions({ actor: actor || undefined, action: action || undefined, limit: 200 }),
    refetchInterval: 5000,
  });

  return (
    <>
      <h1>Audit log</h1>
      <form className="row" onSubmit={(event) => event.preventDefault()}>
        <label>
          Actor
          <input name="actor" value={actor} onChange={(event) => setActor(event.target.value)} />
        </label>
        <label>
          Action (prefix, e.g. node.)
          <input name="action" value={action} onChange={(event) => setAction(event.target.value)} />
        </label>
      </form>
      {audit.error && <p className="error">{describeError(audit.error).form}</p>}
      <table data-testid="audit-table">
        <thead>
          <tr>
            <th>At</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Target</th>
            <th>Before</th>
            <th>After</th>
          </tr>
        </thead>
        <tbody>
          {audit.data?.map((row) => (
            <tr key={row.id}>
              <td>{row.at.toLocaleString()}</td>
              <td>
                {row.actorName} <span className="muted">({row.actorKind})</span>
              </td>
              <td>{row.action}</td>
              <td>
                {row.targetKind} <span className="muted">{row.targetId}</span>
              </td>
              <td className="muted">{json(row.before)}</td>
              <td>{json(row.after)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
