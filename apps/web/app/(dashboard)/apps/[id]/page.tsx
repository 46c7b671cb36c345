"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useRouter } from "next/navigation";
import { use, useMemo, useState } from "react";
import { LiveChart, throughput } from "../../../../src/client/live/live-chart";
import { useLiveBuffer } from "../../../../src/client/live/use-live";
import { describeError, useTRPC } from "../../../../src/client/trpc";
import { useCanChange } from "../_components/can-change";
import { RolloutsPanel } from "../_components/rollouts-panel";
import { VersionForm } from "../_components/version-form";

type Artifact =
  | { kind: "builtin"; name: string }
  | { kind: "bundle"; sha256: string }
  | { kind: "program"; command: string[] };

function describeArtifact(artifact: Artifact | null): string {
  if (!artifact) return "ad hoc (built-in named like the app)";
  if (artifact.kind === "builtin") return `built-in ${artifact.name}`;
  if (artifact.kind === "bundle") return `bundle ${artifact.sha256.slice(0, 12)}…`;
  return `program ${artifact.command.join(" ")}`;
}

export default function AppPage({ params }: { params: Promise<{ id: string }> }) {
  const appId = Number(use(params).id);
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const canChange = useCanChange();
  const app = useQuery(trpc.apps.get.queryOptions({ id: appId }));
  // The app's live throughput (every instance of every version), streamed by live.watch once the name is known.
  const appName = app.data?.name ?? "";
  const scope = useMemo(() => ({ kind: "app" as const, app: appName }), [appName]);
  const live = useLiveBuffer(scope, 300, appName !== "");
  // No polling: the server says when rollouts or instances changed, and the page refetches.
  useSubscription(
    trpc.rollouts.changes.subscriptionOptions({ appId }, { onData: () => queryClient.invalidateQueries() }),
  );
  const [options, setOptions] = useState({
    maxUnavailable: "1",
    canary: "0",
    healthTimeoutSeconds: "60",
    requireTraffic: false,
  });
  const start = useMutation(trpc.rollouts.start.mutationOptions({ onSuccess: () => queryClient.invalidateQueries() }));
  const remove = useMutation(trpc.apps.delete.mutationOptions({ onSuccess: () => router.push("/apps") }));
  const startErrors = describeError(start.error);

  if (app.error) return <p className="error">{describeError(app.error).form}</p>;
  if (!app.data) return <p className="muted">Loading…</p>;
  const data = app.data;
  const setOption = (key: keyof typeof options) => (event: { target: { value: string } }) =>
    setOptions({ ...options, [key]: event.target.value });

  return (
    <>
      <h1>{data.name}</h1>

      <h2>Where it runs</h2>
      {data.instances.length === 0 ? (
        <p className="muted">No instances.</p>
      ) : (
        <table data-testid="placement">
          <thead>
            <tr>
              <th>Node</th>
              <th>Version</th>
              <th>Reported</th>
            </tr>
          </thead>
          <tbody>
            {data.instances.map((instance) => (
              <tr key={instance.id}>
                <td>{instance.nodeName}</td>
                <td>{instance.version}</td>
                <td>{instance.reportedState ?? "not yet"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Throughput</h2>
      <div className="live-charts">
        <LiveChart
          buffer={live}
          title="App throughput"
          unit="Gbit/s"
          testId="app-gbits"
          lines={(buffer) => [{ label: "rx + tx", values: throughput(buffer, `app:${data.name}`, "gbits") }]}
        />
        <LiveChart
          buffer={live}
          title="App packet rate"
          unit="Mpps"
          testId="app-mpps"
          lines={(buffer) => [{ label: "rx + tx", values: throughput(buffer, `app:${data.name}`, "mpps") }]}
        />
      </div>

      <h2>Rollouts</h2>
      <RolloutsPanel appId={appId} canChange={canChange} />

      <h2>Versions</h2>
      {canChange && (
        <form className="row" onSubmit={(event) => event.preventDefault()}>
          <label>
            Max unavailable
            <input
              name="max-unavailable"
              type="number"
              min={1}
              value={options.maxUnavailable}
              onChange={setOption("maxUnavailable")}
              size={3}
            />
          </label>
          <label>
            Canary instances
            <input name="canary" type="number" min={0} value={options.canary} onChange={setOption("canary")} size={3} />
          </label>
          <label>
            Health timeout (s)
            <input
              name="health-timeout"
              type="number"
              min={1}
              value={options.healthTimeoutSeconds}
              onChange={setOption("healthTimeoutSeconds")}
              size={4}
            />
          </label>
          <label>
            <span>
              <input
                type="checkbox"
                checked={options.requireTraffic}
                onChange={(event) => setOptions({ ...options, requireTraffic: event.target.checked })}
              />{" "}
              wait for traffic
            </span>
          </label>
        </form>
      )}
      {startErrors.form && (
        <p className="error" role="alert">
          {startErrors.form}
        </p>
      )}
      {data.versions.length === 0 ? (
        <p className="muted">No versions yet.</p>
      ) : (
        <table data-testid="versions">
          <thead>
            <tr>
              <th>Version</th>
              <th>Artifact</th>
              <th>Backend</th>
              <th>Per instance</th>
              <th>Placement</th>
              <th>Config</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.versions.map((version) => (
              <tr key={version.id}>
                <td>{version.version}</td>
                <td>{describeArtifact(version.artifact as Artifact | null)}</td>
                <td>
                  {version.backend} ({version.implementation})
                </td>
                <td>
                  {version.coresPerInstance} cores, {version.queuesPerInstance} queues
                  {version.allowSmtSharing && ", SMT sharing"}
                </td>
                <td>
                  {version.placement.instancesPerNode} per node on{" "}
                  {version.placement.nodeNames.length ? version.placement.nodeNames.join(", ") : "every ready node"}
                </td>
                <td className="muted">{JSON.stringify(version.config)}</td>
                <td>
                  {canChange && (
                    <button
                      type="button"
                      disabled={start.isPending}
                      onClick={() =>
                        start.mutate({
                          versionId: version.id,
                          maxUnavailable: Number(options.maxUnavailable),
                          canary: Number(options.canary),
                          healthTimeoutSeconds: Number(options.healthTimeoutSeconds),
                          requireTraffic: options.requireTraffic,
                        })
                      }
                    >
                      Roll out {version.version}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canChange && (
        <>
          <h3>New version</h3>
          <VersionForm appId={appId} />
          <h3>Delete</h3>
          <button type="button" onClick={() => remove.mutate({ id: appId })}>
            Delete {data.name}
          </button>
          {remove.error && (
            <p className="error" role="alert">
              {describeError(remove.error).form}
            </p>
          )}
        </>
      )}
    </>
  );
}
