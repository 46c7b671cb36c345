"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { describeError, useTRPC } from "../../../../src/client/trpc";

interface Slot {
  nodeName: string;
  status: string;
  message: string | null;
}

/** Which commands make sense in each phase; the server refuses the others anyway. */
const commandsFor: Record<string, Array<"pause" | "resume" | "promote" | "abort">> = {
  running: ["pause", "abort"],
  paused: ["resume", "abort"],
  "awaiting-promotion": ["promote", "abort"],
};

export function RolloutsPanel({ appId, canChange }: { appId: number; canChange: boolean }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.rollouts.list.queryOptions({ appId }));
  const latest = list.data?.[0];
  return (
    <>
      {list.data?.length === 0 && <p className="muted">No rollouts yet.</p>}
      {latest && <RolloutDetail id={latest.id} canChange={canChange} />}
      {list.data && list.data.length > 1 && (
        <>
          <h3>Earlier rollouts</h3>
          <table>
            <tbody>
              {list.data.slice(1).map((rollout) => (
                <tr key={rollout.id}>
                  <td>to {rollout.toVersion}</td>
                  <td>{rollout.phase}</td>
                  <td>{rollout.reason}</td>
                  <td className="muted">{rollout.createdAt.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

function RolloutDetail({ id, canChange }: { id: string; canChange: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const rollout = useQuery(trpc.rollouts.get.queryOptions({ id }));
  const refresh = { onSuccess: () => queryClient.invalidateQueries() };
  const commands = {
    pause: useMutation(trpc.rollouts.pause.mutationOptions(refresh)),
    resume: useMutation(trpc.rollouts.resume.mutationOptions(refresh)),
    promote: useMutation(trpc.rollouts.promote.mutationOptions(refresh)),
    abort: useMutation(trpc.rollouts.abort.mutationOptions(refresh)),
  };
  const commandError = Object.values(commands)
    .map((command) => describeError(command.error).form)
    .find(Boolean);
  if (!rollout.data) return null;
  const data = rollout.data;
  const slots = (data.state as { slots: Slot[] }).slots;
  const healthy = slots.filter((slot) => slot.status === "healthy").length;

  return (
    <section data-testid="rollout" data-phase={data.phase}>
      <h3>
        Rollout to {data.toVersion}: <span data-testid="rollout-phase">{data.phase}</span>
      </h3>
      <p>
        {healthy} of {slots.length} instances updated and healthy.
        {data.reason && <span data-testid="rollout-reason"> {data.reason}</span>}
      </p>
      {canChange && (
        <p>
          {(commandsFor[data.phase] ?? []).map((which) => (
            <button key={which} type="button" onClick={() => commands[which].mutate({ id })}>
              {which[0]!.toUpperCase() + which.slice(1)}
            </button>
          ))}
        </p>
      )}
      {commandError && (
        <p className="error" role="alert">
          {commandError}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>Node</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {slots.map((slot, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: slots are a fixed list; a node can hold several
            <tr key={index}>
              <td>{slot.nodeName}</td>
              <td>{slot.status}</td>
              <td className="muted">{slot.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4>Steps</h4>
      <ol data-testid="rollout-steps">
        {data.steps.map((step) => (
          <li key={step.id}>
            <span className="muted">{step.at.toLocaleTimeString()}</span> {step.message}
          </li>
        ))}
      </ol>
    </section>
  );
}
