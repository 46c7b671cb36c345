// Bundle upload: POST the raw bytes (Content-Type application/octet-stream) with `?format=node|native`, as an
// operator with the session cookie and the anti-CSRF header. Answers the digest the server computed.
import { getControlPlane } from "../../../src/server/control-plane";

export const dynamic = "force-dynamic";

const json = (status: number, body: unknown) => Response.json(body, { status });

export async function POST(request: Request): Promise<Response> {
  const plane = await getControlPlane();
  const { api } = plane;
  const actor = await api.resolveActor(plane.handle.db, request.headers, new Date());
  if (actor.kind !== "user") return json(401, { error: "sign in first" });
  if (!api.isCsrfSafe(request.headers, request.url)) {
    return json(403, { error: `uploads need the ${api.CSRF_HEADER}: 1 header and a same-origin Origin` });
  }
  if (actor.user.role === "viewer") return json(403, { error: "this needs the operator role" });
  const format = new URL(request.url).searchParams.get("format") ?? "node";
  if (format !== "node" && format !== "native") {
    return json(400, { error: "format must be node (a tarball for @sluice/libos) or native (an executable)" });
  }
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > plane.artifactLimit) {
    return json(413, { error: `the bundle is larger than the limit of ${plane.artifactLimit} bytes` });
  }
  if (!request.body) return json(400, { error: "the bundle is empty" });
  try {
    // Node's web streams are async iterable; the DOM typings do not say so.
    const body = request.body as unknown as AsyncIterable<Uint8Array>;
    const stored = await api.storeArtifact(plane.handle.db, body, {
      stateDir: plane.stateDir,
      format,
      limit: plane.artifactLimit,
      actor,
      now: new Date(),
    });
    return json(stored.created ? 201 : 200, stored);
  } catch (error) {
    if (error instanceof api.ArtifactTooLargeError) return json(413, { error: error.message });
    if (error instanceof api.EmptyArtifactError) return json(400, { error: error.message });
    throw error;
  }
}
