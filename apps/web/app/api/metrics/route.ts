// Prometheus scrape target. Unauthenticated on purpose: it exposes counts, latencies and memory only — no node
// or user names, ids, addresses or secrets (see packages/api/src/observability/metrics.ts).
import { getControlPlane } from "../../../src/server/control-plane";

export const dynamic = "force-dynamic";

export async function GET() {
  const plane = await getControlPlane();
  const body = await plane.api.renderMetrics({
    db: plane.handle.db,
    live: plane.live,
    telemetry: plane.telemetry,
    settings: plane.settings,
    agents: plane.agents,
    now: new Date(),
  });
  return new Response(body, { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } });
}
