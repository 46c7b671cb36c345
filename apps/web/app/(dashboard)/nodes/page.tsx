"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { age, StateBadge } from "../../../src/client/components/format";
import { describeError, useTRPC } from "../../../src/client/trpc";

type Sort = "name" | "state" | "lastHeartbeat";

export default function NodesPage() {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const [sort, setSort] = useState<Sort>("name");
  const [direction, setDirection] = useState<"asc" | "desc">("asc");
  // Live enough for now: poll every 2 s (server-sent updates come later).
  const nodes = useQuery({
    ...trpc.nodes.list.queryOptions({ search: search || undefined, sort, direction }),
    refetchInterval: 2000,
  });

  return (
    <>
      <h1>Nodes</h1>
      <form className="row" onSubmit={(event) => event.preventDefault()}>
        <label>
          Search
          <input
            name="search"
            placeholder="name or state"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </label>
        <label>
          Sort by
          <select value={sort} onChange={(event) => setSort(event.target.value as Sort)}>
            <option value="name">name</option>
            <option value="state">state</option>
            <option value="lastHeartbeat">last heartbeat</option>
          </select>
        </label>
        <button type="button" onClick={() => setDirection(direction === "asc" ? "desc" : "asc")}>
          {direction === "asc" ? "Ascending" : "Descending"}
        </button>
      </form>
      {nodes.error && <p className="error">{describeError(nodes.error).form}</p>}
      {nodes.data?.length === 0 && (
        <p className="muted">No nodes yet. Create a join token under Settings and run the agent with it.</p>
      )}
      {nodes.data && nodes.data.length > 0 && (
        <table data-testid="nodes-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>State</th>
              <th>Cores owned</th>
              <th>Queues owned</th>
              <th>Kernel</th>
              <th>Last heartbeat</th>
            </tr>
          </thead>
          <tbody>
            {nodes.data.map((node) => (
              <tr key={node.id}>
                <td>
                  <Link href={`/nodes/${node.id}`}>{node.name}</Link>
                </td>
                <td>
                  <StateBadge state={node.state} />
                  {node.stateReason && <div className="muted">{node.stateReason}</div>}
                </td>
                <td>
                  {node.cores.owned} / {node.cores.total}
                </td>
                <td>
                  {node.queues.owned} / {node.queues.total}
                </td>
                <td>{node.kernel ?? "?"}</td>
                <td>{age(node.lastHeartbeatAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
