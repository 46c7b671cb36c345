"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRef, useState } from "react";
import { age, StateBadge } from "../../../src/client/components/format";
import { LiveCell, useLiveCells } from "../../../src/client/live/live-cell";
import { LiveChart, throughput } from "../../../src/client/live/live-chart";
import { useLiveBuffer } from "../../../src/client/live/use-live";
import { describeError, useTRPC } from "../../../src/client/trpc";

const FLEET = { kind: "fleet" } as const;

type Sort = "name" | "state" | "lastHeartbeat";

export default function NodesPage() {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const [sort, setSort] = useState<Sort>("name");
  const [direction, setDirection] = useState<"asc" | "desc">("asc");
  // One subscription for the whole page: the fleet's chart series and every node's newest value.
  const live = useLiveBuffer(FLEET);
  const table = useRef<HTMLTableElement>(null);
  useLiveCells(table, live);
  // Node states and heartbeats are relational data: polled. Throughput is pushed (above).
  const nodes = useQuery({
    ...trpc.nodes.list.queryOptions({ search: search || undefined, sort, direction }),
    refetchInterval: 2000,
  });

  return (
    <>
      <h1>Nodes</h1>
      <div className="live-charts">
        <LiveChart
          buffer={live}
          title="Fleet throughput"
          unit="Gbit/s"
          testId="fleet-gbits"
          lines={(buffer) => [{ label: "rx + tx", values: throughput(buffer, "fleet", "gbits") }]}
        />
        <LiveChart
          buffer={live}
          title="Fleet packet rate"
          unit="Mpps"
          testId="fleet-mpps"
          lines={(buffer) => [{ label: "rx + tx", values: throughput(buffer, "fleet", "mpps") }]}
        />
      </div>
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
        <table data-testid="nodes-table" ref={table}>
          <thead>
            <tr>
              <th>Name</th>
              <th>State</th>
              <th>Cores owned</th>
              <th>Queues owned</th>
              <th>Gbit/s</th>
              <th>Mpps</th>
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
                <LiveCell seriesKey={`node:${node.id}`} unit="gbits" />
                <LiveCell seriesKey={`node:${node.id}`} unit="mpps" />
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
