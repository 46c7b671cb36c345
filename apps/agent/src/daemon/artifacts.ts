// App bundles from the control plane: `GET /api/agent/artifacts/<sha256>` with the node credential,
// streamed to a temporary file while hashing, and kept under STATE_DIR/artifacts/<sha256> only when
// both the size and the sha256 match. A mismatch is reported and the file discarded: it never runs.
// Node bundles (tarballs with package.json) are unpacked next to it into <sha256>.d/.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { open } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export interface BundleRef {
  sha256: string;
  size: number;
  format: "node" | "native";
}

export class ArtifactError extends Error {
  override readonly name = "ArtifactError";
}

export class ArtifactCache {
  readonly dir: string;
  /** Digests verified by this process: a cached file is re-hashed once per agent run, not per reconcile. */
  private readonly verified = new Set<string>();

  constructor(
    stateDir: string,
    private readonly controlPlane: string,
    private readonly credential: string,
    private readonly timeoutMs = 120_000,
  ) {
    this.dir = join(stateDir, "artifacts");
  }

  /** The argv that runs the bundle (before pinning): the executable, or `node <main>` for node bundles. */
  async programFor(ref: BundleRef): Promise<string[]> {
    const file = await this.fetch(ref);
    if (ref.format === "native") {
      chmodSync(file, 0o755);
      return [file];
    }
    return [process.execPath, this.unpackNodeBundle(ref.sha256, file)];
  }

  /** The verified file for `ref`, downloading it when it is not cached. */
  async fetch(ref: BundleRef): Promise<string> {
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, ref.sha256);
    if (existsSync(path)) {
      if (this.verified.has(ref.sha256)) return path;
      const digest = await sha256File(path);
      if (digest === ref.sha256) {
        this.verified.add(ref.sha256);
        return path;
      }
      rmSync(path, { force: true }); // corrupted on disk: fetch it again
    }
    const temporary = `${path}.${process.pid}.download`;
    try {
      const digest = await this.download(ref, temporary);
      if (digest.size !== ref.size || digest.sha256 !== ref.sha256) {
        throw new ArtifactError(
          `artifact ${ref.sha256} failed verification: expected ${ref.size} bytes with sha256 ${ref.sha256}, got ${digest.size} bytes with sha256 ${digest.sha256}; discarded`,
        );
      }
      renameSync(temporary, path);
      this.verified.add(ref.sha256);
      return path;
    } finally {
      rmSync(temporary, { force: true });
    }
  }

  private async download(ref: BundleRef, temporary: string): Promise<{ size: number; sha256: string }> {
    const url = `${this.controlPlane.replace(/\/+$/, "")}/api/agent/artifacts/${ref.sha256}`;
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${this.credential}` },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new ArtifactError(`cannot download artifact ${ref.sha256}: ${(error as Error).message}`);
    }
    if (!response.ok || !response.body) {
      const detail = (await response.text().catch(() => "")).slice(0, 200);
      throw new ArtifactError(`cannot download artifact ${ref.sha256}: HTTP ${response.status} ${detail}`.trim());
    }
    const hash = createHash("sha256");
    const file = await open(temporary, "w", 0o600);
    let size = 0;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        // Stop early rather than fill the disk with something that cannot match.
        if (size > ref.size) break;
        hash.update(chunk);
        await file.write(chunk);
      }
    } finally {
      await file.close();
    }
    return { size, sha256: size > ref.size ? "(not computed: too large)" : hash.digest("hex") };
  }

  /** Unpacks once into <sha256>.d and returns the absolute path of package.json's main. */
  private unpackNodeBundle(sha256: string, file: string): string {
    const target = join(this.dir, `${sha256}.d`);
    if (!existsSync(target)) {
      const staging = `${target}.${process.pid}.tmp`;
      rmSync(staging, { recursive: true, force: true });
      mkdirSync(staging, { recursive: true });
      const result = spawnSync("tar", ["-xzf", file, "-C", staging, "--no-same-owner"], { encoding: "utf8" });
      if (result.status !== 0) {
        rmSync(staging, { recursive: true, force: true });
        throw new ArtifactError(`node bundle ${sha256} is not a gzip tarball: ${(result.stderr || "").trim()}`);
      }
      renameSync(staging, target);
    }
    // `npm pack` puts everything under package/.
    const entries = readdirSync(target);
    const root = entries.length === 1 && entries[0] === "package" ? join(target, "package") : target;
    let main = "index.js";
    try {
      const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { main?: unknown };
      if (typeof manifest.main === "string") main = manifest.main;
    } catch (error) {
      throw new ArtifactError(`node bundle ${sha256} has no readable package.json: ${(error as Error).message}`);
    }
    const entry = resolve(root, main);
    if (!entry.startsWith(root + sep))
      throw new ArtifactError(`node bundle ${sha256}: main "${main}" leaves the bundle`);
    if (!existsSync(entry)) throw new ArtifactError(`node bundle ${sha256}: main "${main}" does not exist`);
    linkLibos(root);
    return entry;
  }
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolvePromise(hash.digest("hex")));
  });
}

/**
 * A node bundle imports `@sluice/libos` and runs on this agent's own copy (its addon is the data path this node was
 * built with), so bundles carry only the app's code. A bundle that ships its own copy keeps it.
 */
function linkLibos(bundleRoot: string): void {
  const link = join(bundleRoot, "node_modules", "@sluice", "libos");
  if (existsSync(link)) return;
  const libosRoot = dirname(dirname(fileURLToPath(import.meta.resolve("@sluice/libos"))));
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(libosRoot, link, "dir");
}
