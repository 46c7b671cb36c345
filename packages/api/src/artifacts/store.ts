// Uploaded bundles, content-addressed: the bytes go to <stateDir>/artifacts/<sha256> and a row to `artifacts`.
// The digest is computed here while the upload streams to a temporary file, never taken from the client, and an
// upload over the limit is cut off as soon as it passes it (nothing is kept).
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { artifacts, type Database } from "@sluice/db";
import { type AuditActor, recordAudit } from "../audit.js";
import { bundlesFor } from "../fleet/desired-state.js";

export const DEFAULT_ARTIFACT_LIMIT = 64 * 1024 * 1024;

export type ArtifactFormat = "node" | "native";

export class ArtifactTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the bundle is larger than the limit of ${limit} bytes`);
    this.name = "ArtifactTooLargeError";
  }
}

export class EmptyArtifactError extends Error {
  constructor() {
    super("the bundle is empty");
    this.name = "EmptyArtifactError";
  }
}

export function artifactsDir(stateDir: string): string {
  return join(stateDir, "artifacts");
}

export interface StoredArtifact {
  sha256: string;
  size: number;
  format: ArtifactFormat;
  /** False when the same bytes had been uploaded before. */
  created: boolean;
}

export interface StoreOptions {
  stateDir: string;
  format: ArtifactFormat;
  limit: number;
  actor: AuditActor & { kind: "user" };
  now: Date;
}

/** Streams a bundle to disk under its sha256 and records it; the temporary file is removed on any failure. */
export async function storeArtifact(
  db: Database,
  body: AsyncIterable<Uint8Array>,
  options: StoreOptions,
): Promise<StoredArtifact> {
  const dir = artifactsDir(options.stateDir);
  await mkdir(dir, { recursive: true });
  const temporary = join(dir, `.upload-${randomBytes(8).toString("hex")}`);
  const hash = createHash("sha256");
  let size = 0;
  try {
    await pipeline(
      Readable.from(body),
      async function* (chunks: AsyncIterable<Uint8Array>) {
        for await (const chunk of chunks) {
          size += chunk.byteLength;
          if (size > options.limit) throw new ArtifactTooLargeError(options.limit);
          hash.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(temporary),
    );
    if (size === 0) throw new EmptyArtifactError();
    const sha256 = hash.digest("hex");
    // Same digest, same bytes: a second upload just replaces the file with an identical one.
    await rename(temporary, join(dir, sha256));
    return await db.transaction(async (tx) => {
      const inserted = await tx
        .insert(artifacts)
        .values({ sha256, size, format: options.format, uploadedBy: options.actor.user.id, createdAt: options.now })
        .onConflictDoNothing()
        .returning({ sha256: artifacts.sha256 });
      const created = inserted.length > 0;
      if (created) {
        await recordAudit(tx, options.actor, options.now, {
          action: "artifact.upload",
          targetKind: "artifact",
          targetId: sha256,
          after: { sha256, size, format: options.format },
        });
      }
      return { sha256, size, format: options.format, created };
    });
  } finally {
    await rm(temporary, { force: true });
  }
}

export interface ArtifactDownload {
  size: number;
  stream(): Readable;
}

/**
 * A bundle for a node's agent, or null when the node's desired state does not name it (or the file is gone):
 * a node credential opens only what that node is meant to run.
 */
export async function openArtifactForNode(
  db: Database,
  stateDir: string,
  nodeId: string,
  sha256: string,
): Promise<ArtifactDownload | null> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) return null;
  if (!(await bundlesFor(db, nodeId)).has(sha256)) return null;
  const path = join(artifactsDir(stateDir), sha256);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return null;
  return { size: info.size, stream: () => createReadStream(path) };
}
