// Bundle download for agents: `Authorization: Bearer snc_...`; only bundles the node's desired state names.
//
// A Pages API route rather than an App Router handler on purpose: Next.js drops Content-Length from App Router
// responses (send-response.js, FORBIDDEN_HEADERS), and the agent contract promises it. Here the Node response
// is ours, so the header stays and the file streams straight from disk.
import { pipeline } from "node:stream/promises";
import type { NextApiRequest, NextApiResponse } from "next";
import { getControlPlane } from "../../../../src/server/control-plane";

export const config = { api: { responseLimit: false, bodyParser: false } };

function headersOf(request: NextApiRequest): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === "string") headers.set(name, value);
  }
  return headers;
}

export default async function download(request: NextApiRequest, response: NextApiResponse): Promise<void> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.setHeader("allow", "GET, HEAD");
    return response.status(405).json({ error: "GET only" });
  }
  const plane = await getControlPlane();
  const actor = await plane.api.resolveActor(plane.handle.db, headersOf(request), new Date(), plane.agents.credentials);
  if (actor.kind !== "node") return response.status(401).json({ error: "artifact downloads need a node credential" });
  const sha256 = String(request.query.sha256 ?? "");
  const artifact = await plane.api.openArtifactForNode(plane.handle.db, plane.stateDir, actor.nodeId, sha256);
  // Not referenced and not stored look the same, so a node cannot probe for other nodes' bundles.
  if (!artifact) return response.status(404).json({ error: "no such artifact for this node" });
  response.writeHead(200, {
    "content-type": "application/octet-stream",
    "content-length": String(artifact.size),
    etag: `"${sha256}"`,
    "cache-control": "private, immutable",
  });
  if (request.method === "HEAD") return void response.end();
  await pipeline(artifact.stream(), response);
}
