import Link from "next/link";
import { controlPlaneStatus } from "../src/status";

export const dynamic = "force-dynamic";

export default function HomePage() {
  const status = controlPlaneStatus();
  return (
    <main>
      <h1>Sluice control plane</h1>
      <p>
        Version {status.version}, up since <time dateTime={status.startedAt}>{status.startedAt}</time>.
      </p>
      <p>
        <Link href="/nodes">Open the dashboard</Link>
      </p>
    </main>
  );
}
