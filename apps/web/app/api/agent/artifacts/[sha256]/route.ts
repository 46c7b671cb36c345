// Bundle download for agents: `Authorization: Bearer snc_...`; only bundles the node's desired state names.
import { Readable } from "node:stream";
import { getControlPlane } from "../../../../../src/server/control-plane";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ sha256: string }> }): Promise<Response> {
  const { sha256 } = await params;
  const plane = await getControlPlane();
  const actor = await plane.api.resolveActor(plane.handle.db, request.headers, new Date());
  if (actor.kind !== "node") {
    return Response.json({ error: "artifact downloads need a node credential" }, { status: 401 });
  }
  const artifact = await plane.api.openArtifactForNode(plane.handle.db, plane.stateDir, actor.nodeId, sha256);
  // Not referenced and not stored look the same, so a node cannot probe for other nodes' bundles.
  if (!artifact) return Response.json({ error: "no such artifact for this node" }, { status: 404 });
  return new Response(Readable.toWeb(artifact.stream()) as ReadableStream<Uint8Array>, {
    headers: {
      "content-type": "application/octet-stream",
      "content-length": String(artifact.size),
      etag: `"${sha256}"`,
      "cache-control": "private, immutable",
    },
  });
}
