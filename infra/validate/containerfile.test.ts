// infra/container/Containerfile is checked here without building it: no container registry is reachable from these
// machines (only npm and Debian's archive), so the base image cannot be pulled. What can be checked is: the file
// parses cleanly with dockerfile-utils (the VS Code Dockerfile language service's validator), the build stage asks
// only for Debian packages the project's setup already installs, and the runtime stage has a Debian package for
// every shared library the built addon links to.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { validate } from "dockerfile-utils";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const containerfile = readFileSync(join(root, "infra/container/Containerfile"), "utf8");
const addon = join(root, "packages/native/build/release/sluice.node");

/** The packages one stage installs with apt-get (its `FROM ... AS name` to the next FROM). */
function aptPackages(stage: string): string[] {
  const start = containerfile.indexOf(` AS ${stage}\n`);
  const end = containerfile.indexOf("\nFROM ", start + 1);
  const text = containerfile.slice(start, end === -1 ? undefined : end).replace(/\\\n/g, " ");
  const install = /apt-get install -y --no-install-recommends ([^&]+)/.exec(text);
  return install ? install[1]!.trim().split(/\s+/) : [];
}

/** Already in node:20-bookworm-slim (Debian's essential set plus what Node itself needs). */
const IN_BASE_IMAGE = new Set(["libc6", "libstdc++6", "libgcc-s1", "zlib1g", "libmd0", "libbsd0"]);

describe("the container image definition", () => {
  it("parses without a diagnostic", () => {
    expect(validate(containerfile)).toEqual([]);
    expect([...containerfile.matchAll(/^FROM \S+ AS (\w+)$/gm)].map((match) => match[1])).toEqual(["build", "runtime"]);
  });

  it("builds with Debian packages that scripts/setup.mjs also installs", () => {
    const setup = readFileSync(join(root, "scripts/setup.mjs"), "utf8");
    const listed = /const DEBIAN_PACKAGES = \{([\s\S]*?)\n\};/.exec(setup)![1]!;
    const known = new Set([...listed.matchAll(/^\s*"?([a-z0-9.+-]+)"?:/gm)].map((match) => match[1]));
    const wanted = aptPackages("build");
    expect(wanted.length).toBeGreaterThan(5);
    expect(wanted.filter((name) => !known.has(name))).toEqual([]);
  });

  it("runs with a Debian package for every shared library the addon links to", () => {
    expect(existsSync(addon), `${addon} is built by @sluice/native, a dependency of this package`).toBe(true);
    const runtime = aptPackages("runtime");
    // Libraries a listed package pulls in count too (the DPDK libraries depend on each other).
    const depends = spawnSync("apt-cache", ["depends", "--no-recommends", "--no-suggests", ...runtime], {
      encoding: "utf8",
    }).stdout;
    const provided = new Set([...runtime, ...[...depends.matchAll(/Depends: (\S+)/g)].map((m) => m[1]!)]);
    const libraries = [...spawnSync("ldd", [addon], { encoding: "utf8" }).stdout.matchAll(/=> (\/\S+)/g)].map(
      (match) => match[1]!,
    );
    expect(libraries.length).toBeGreaterThan(5);
    // dpkg knows a file by the path its package installed (/lib or /usr/lib on a merged /usr): ask for all, at once.
    const candidates = (library: string) => [
      library,
      realpathSync(library),
      realpathSync(library).replace(/^\/usr\/lib\//, "/lib/"),
    ];
    const owners = new Map<string, string>();
    const search = spawnSync("dpkg", ["-S", ...new Set(libraries.flatMap(candidates))], { encoding: "utf8" });
    for (const line of search.stdout.split("\n")) {
      const match = /^([^:]+):[^:]*: (\S+)$/.exec(line);
      if (match) owners.set(match[2]!, match[1]!);
    }
    const missing = libraries.flatMap((library) => {
      const owner = candidates(library)
        .map((path) => owners.get(path))
        .find(Boolean);
      return owner && (IN_BASE_IMAGE.has(owner) || provided.has(owner))
        ? []
        : [`${library} (${owner ?? "no package"})`];
    });
    expect(missing).toEqual([]);
  });
});
