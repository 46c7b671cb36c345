"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { describeError, useTRPC } from "../../../src/client/trpc";
import { useCanChange } from "./_components/can-change";
import { CreateAppForm } from "./_components/create-app-form";
import { UploadBundle } from "./_components/upload-bundle";

export default function AppsPage() {
  const trpc = useTRPC();
  const canChange = useCanChange();
  const apps = useQuery(trpc.apps.list.queryOptions());
  const bundles = useQuery(trpc.apps.artifacts.queryOptions());

  return (
    <>
      <h1>Apps</h1>
      {apps.error && <p className="error">{describeError(apps.error).form}</p>}
      {apps.data?.length === 0 && <p className="muted">No apps yet.</p>}
      {apps.data && apps.data.length > 0 && (
        <table data-testid="apps-table">
          <thead>
            <tr>
              <th>App</th>
              <th>Latest version</th>
              <th>Versions</th>
              <th>Instances</th>
            </tr>
          </thead>
          <tbody>
            {apps.data.map((app) => (
              <tr key={app.id}>
                <td>
                  <Link href={`/apps/${app.id}`}>{app.name}</Link>
                </td>
                <td>{app.latestVersion ?? "none"}</td>
                <td>{app.versions}</td>
                <td>{app.instances}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canChange && (
        <>
          <h2>New app</h2>
          <CreateAppForm />
          <h2>Upload a bundle</h2>
          <UploadBundle />
        </>
      )}
      <h2>Uploaded bundles</h2>
      {bundles.data?.length === 0 && <p className="muted">None.</p>}
      {bundles.data && bundles.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>sha256</th>
              <th>Format</th>
              <th>Size</th>
              <th>Uploaded</th>
            </tr>
          </thead>
          <tbody>
            {bundles.data.map((bundle) => (
              <tr key={bundle.sha256}>
                <td className="muted">{bundle.sha256}</td>
                <td>{bundle.format}</td>
                <td>{bundle.size} bytes</td>
                <td>{bundle.createdAt.toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
