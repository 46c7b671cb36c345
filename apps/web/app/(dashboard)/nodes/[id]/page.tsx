"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { use } from "react";
import { AllocateForm } from "../../../../src/client/components/allocate-form";
import { age, StateBadge } from "../../../../src/client/components/format";
import { CoreGrids, QueueGrids } from "../../../../src/client/components/hardware-grids";
import { describeError, useTRPC } from "../../../../src/client/trpc";

export default function NodePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = use(params);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const node = useQuery({ ...trpc.nodes.get.queryOptions({ id }), refetchInterval: 2000 });
  const refresh = { onSuccess: () => queryClient.invalidateQueries() };
  const cordon = useMutation(trpc.nodes.cordon.mutationOptions(refresh));
  const uncordon = useMutation(trpc.nodes.uncordon.mutationOptions(refresh));
  const drain = useMutation(trpc.nodes.drain.mutationOptions(refresh));
  const release = useMutation(trpc.allocation.release.mutationOptions(refresh));
  const revoke = useMutation(trpc.nodes.revokeCredential.mutationOptions(refresh));
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

      <h2>NIC queues</h2>
      <QueueGrids nics={data.nics} />
      <h2>Cores</h2>
      <CoreGrids cpus={data.cpus} />

      <h2>Instances</h2>
      {data.instances.length === 0 ? (
        <p className="muted">No instances on this node.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>App</th>
              <th>Version</th>
              <th>Reported</th>
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
