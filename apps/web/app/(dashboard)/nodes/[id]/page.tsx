"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { use, useMemo, useRef } from "react";
import { AllocateForm } from "../../../../src/client/components/allocate-form";
import { age, StateBadge } from "../../../../src/client/components/format";
import { CoreGrids, QueueGrids } from "../../../../src/client/components/hardware-grids";
import { NodeLabels } from "../../../../src/client/components/node-labels";
import { bufferFromRollups, type LiveBuffer } from "../../../../src/client/live/buffer";
import { LiveCell, useLiveCells } from "../../../../src/client/live/live-cell";
import { LiveChart, throughput } from "../../../../src/client/live/live-chart";
import { useLiveBuffer } from "../../../../src/client/live/use-live";
import { describeError, useTRPC } from "../../../../src/client/trpc";
import { useCanChange } from "../../apps/_components/can-change";

export default function NodePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = use(params);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const scope = useMemo(() => ({ kind: "node" as const, nodeId: id }), [id]);
  const live = useLiveBuffer(scope);
  const instancesTable = useRef<HTMLTableElement>(null);
  useLiveCells(instancesTable, live);
  // The day at one point per minute, from the rollups; a new minute appears once a minute.
  const history = useQuery({ ...trpc.live.history.queryOptions({ scope }), refetchInterval: 60_000 });
  const day = useMemo(() => bufferFromRollups(`node:${id}`, history.data ?? []), [history.data, id]);
  const node = useQuery({ ...trpc.nodes.get.queryOptions({ id }), refetchInterval: 2000 });
  const refresh = { onSuccess: () => queryClient.invalidateQueries() };
  const cordon = useMutation(trpc.nodes.cordon.mutationOptions(refresh));
  const uncordon = useMutation(trpc.nodes.uncordon.mutationOptions(refresh));
  const drain = useMutation(trpc.nodes.drain.mutationOptions(refresh));
  const release = useMutation(trpc.allocation.release.mutationOptions(refresh));
  const revoke = useMutation(trpc.nodes.revokeCredential.mutationOptions(refresh));
  const canChange = useCanChange();
  const actionError = [cordon, uncordon, drain, release, revoke]
    .map((action) => describeError(action.error).form)
    .find(Boolean);

  if (node.error) return <p className="error">{describeError(node.error).form}</p>;
  if (!node.data) return <p className="muted">Loading…</p>;
  const data = node.data;

  return (
    <>
      <h1>
        {data.name} <StateBadge state={data.state} />
      </h1>
      <p className="muted">
        {data.stateReason && <>{data.stateReason}. </>}
        Last heartbeat {age(data.lastHeartbeatAt)}; joined {data.joinedAt.toLocaleString()}.
      </p>
      <NodeLabels nodeId={id} labels={data.labels} canChange={canChange} />
      <p>
        <button type="button" onClick={() => cordon.mutate({ id })}>
          Cordon
        </button>{" "}
        <button type="button" onClick={() => drain.mutate({ id })}>
          Drain
        </button>{" "}
        <button type="button" onClick={() => uncordon.mutate({ id })}>
          Uncordon
        </button>{" "}
        <button
          type="button"
          onClick={() => {
            if (window.confirm(`Revoke ${data.name}'s credential? Its agent must rejoin with a new token.`)) {
              revoke.mutate({ id });
            }
          }}
        >
          Revoke credential
        </button>
      </p>
      {revoke.data && (
        <p role="status">Revoked {revoke.data.revoked} credential(s); the agent is refused from now on.</p>
      )}
      {actionError && (
        <p className="error" role="alert">
          {actionError}
        </p>
      )}

      <h2>Throughput</h2>
      <div className="live-charts">
        <LiveChart
          buffer={live}
          title="Node throughput"
          unit="Gbit/s"
          testId="node-gbits"
          lines={(buffer) => [{ label: "rx + tx", values: throughput(buffer, `node:${id}`, "gbits") }]}
        />
        <LiveChart
          buffer={live}
          title="Node packet rate"
          unit="Mpps"
          testId="node-mpps"
          lines={(buffer) => [{ label: "rx + tx", values: throughput(buffer, `node:${id}`, "mpps") }]}
        />
        <LiveChart buffer={live} title="Per queue" unit="Gbit/s" testId="queue-gbits" lines={queueLines} />
        <LiveChart
          buffer={day}
          title="Last 24 h, per-minute average"
          unit="Gbit/s"
          testId="node-day-gbits"
          lines={(buffer) => [{ label: "rx + tx", values: throughput(buffer, `node:${id}`, "gbits") }]}
        />
      </div>

      <h2>NIC queues</h2>
      <QueueGrids nics={data.nics} />
      <h2>Cores</h2>
      <CoreGrids cpus={data.cpus} />

      <h2>Instances</h2>
      {data.instances.length === 0 ? (
        <p className="muted">No instances on this node.</p>
      ) : (
        <table ref={instancesTable}>
          <thead>
            <tr>
              <th>App</th>
              <th>Version</th>
              <th>Reported</th>
              <th>Gbit/s</th>
              <th>Mpps</th>
              <th>Instance</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.instances.map((instance) => (
              <tr key={instance.id}>
                <td>{instance.app}</td>
                <td>{instance.version}</td>
                <td>{instance.reportedState ?? "not yet"}</td>
                <LiveCell seriesKey={`instance:${instance.id}`} unit="gbits" />
                <LiveCell seriesKey={`instance:${instance.id}`} unit="mpps" />
                <td className="muted">{instance.id}</td>
                <td>
                  <button type="button" onClick={() => release.mutate({ id: instance.id })}>
                    Release
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Allocate</h2>
      <AllocateForm nodeId={id} nics={data.nics.map((nic) => nic.name)} />
    </>
  );
}

/** One line per queue series the node has reported ("queue:<instance>:<n>"), labelled by instance and queue. */
function queueLines(buffer: LiveBuffer) {
  return [...buffer.series.keys()]
    .filter((key) => key.startsWith("queue:"))
    .sort()
    .map((key) => {
      const [, instance, queue] = key.split(":");
      return { label: `${instance!.slice(0, 8)} q${queue}`, values: throughput(buffer, key, "gbits") };
    });
}
