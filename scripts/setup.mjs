#!/usr/bin/env node
// Idempotent machine setup shared by `npm start` and `npm test`.
// Runs before node_modules exists, so it uses Node built-ins only.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Debian packages the project needs, with the reason each is here. */
const DEBIAN_PACKAGES = {
  "build-essential": "C++ compiler for packages/native",
  cmake: "native build",
  "pkg-config": "finds libxdp, libbpf, liburing, DPDK",
  clang: "libFuzzer targets and BPF programs",
  llvm: "llvm-symbolizer for sanitizer reports",
  "libclang-rt-14-dev": "libFuzzer and sanitizer runtimes for clang",
  "libxdp-dev": "AF_XDP device",
  "libbpf-dev": "AF_XDP device",
  "liburing-dev": "kernel (io_uring) backend",
  "dpdk-dev": "DPDK device",
  "libdpdk-dev": "DPDK device",
  "libgtest-dev": "native unit tests",
  googletest: "native unit tests",
  iproute2: "network namespaces and veth pairs for tests",
  ethtool: "peer offload settings in tests",
  "iputils-ping": "kernel peer for ICMP tests",
  sockperf: "real latency client",
  iperf3: "real bulk-throughput baseline",
  wrk: "real HTTP load client",
  "redis-tools": "redis-cli and redis-benchmark",
  "redis-server": "kernel baseline for the kv benchmark",
  "nginx-light": "kernel baseline (one worker) for the http benchmark",
  curl: "real HTTP client",
  tcpdump: "reads pcap captures back in device tests",
  chromium: "browser tests (Playwright drives Debian's Chromium)",
  postgresql: "the control plane's database tests also run against a real PostgreSQL server",
  systemd: "systemd-analyze verify checks the units in infra/systemd",
};

const args = new Set(process.argv.slice(2));
const skipBuild = args.has("--no-build");
let stepNumber = 0;

function step(title) {
  stepNumber += 1;
  console.log(`[setup] ${stepNumber}. ${title}`);
}

function fail(message) {
  console.error(`[setup] error: ${message}`);
  process.exit(1);
}

function run(command, argv, options = {}) {
  console.log(`[setup]    $ ${[command, ...argv].join(" ")}`);
  const result = spawnSync(command, argv, { stdio: "inherit", cwd: root, ...options });
  if (result.error) fail(`could not run ${command}: ${result.error.message}`);
  return result.status ?? 1;
}

function missingDebianPackages() {
  const names = Object.keys(DEBIAN_PACKAGES);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query format fields, not JavaScript
  const query = spawnSync("dpkg-query", ["-W", "-f=${Package} ${db:Status-Abbrev}\\n", ...names], {
    encoding: "utf8",
  });
  if (query.error) fail("dpkg-query not found: this setup supports Debian 12 (bookworm) only");
  const installed = new Set(
    query.stdout
      .split("\n")
      .filter((line) => /^\S+ ii/.test(line))
      .map((line) => line.split(" ")[0]),
  );
  return names.filter((name) => !installed.has(name));
}

function explainUninstallable(packages) {
  const lost = packages.filter((name) => {
    const policy = spawnSync("apt-cache", ["policy", name], { encoding: "utf8" });
    return !/Candidate: (?!\(none\))/.test(policy.stdout ?? "");
  });
  return lost.length > 0
    ? `apt has no installable candidate for: ${lost.join(", ")}`
    : "see the apt-get output above for the package that failed";
}

function ensureDebianPackages() {
  step("Debian packages");
  if (process.platform !== "linux") fail(`Sluice needs Linux (this is ${process.platform})`);
  const missing = missingDebianPackages();
  if (missing.length === 0) {
    console.log("[setup]    all present");
    return;
  }
  for (const name of missing) console.log(`[setup]    missing ${name} (${DEBIAN_PACKAGES[name]})`);
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    fail(
      "these packages are missing and installing them needs root. Run:\n" +
        `  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing.join(" ")}\n` +
        "then run the npm command again.",
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (run("apt-get", ["update"], { env }) !== 0) fail("`apt-get update` failed (is Debian's archive reachable?)");
  const status = run("apt-get", ["install", "-y", "--no-install-recommends", ...missing], { env });
  if (status !== 0) fail(`\`apt-get install\` failed: ${explainUninstallable(missing)}`);
  const still = missingDebianPackages();
  if (still.length > 0) fail(`still missing after install: ${still.join(", ")}`);
}

/** The fingerprint of what `npm ci` installed; a change means node_modules is stale. */
function dependencyFingerprint() {
  const lock = join(root, "package-lock.json");
  const hash = createHash("sha256");
  hash.update(process.version);
  hash.update(existsSync(lock) ? readFileSync(lock) : "no-lock");
  return hash.digest("hex");
}

function ensureNpmDependencies() {
  step("npm dependencies");
  const stamp = join(root, "node_modules", ".sluice-deps");
  const wanted = dependencyFingerprint();
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === wanted) {
    console.log("[setup]    up to date");
    return;
  }
  const hasLock = existsSync(join(root, "package-lock.json"));
  const status = run("npm", hasLock ? ["ci", "--no-audit", "--no-fund"] : ["install", "--no-audit", "--no-fund"]);
  if (status !== 0) fail("npm could not install the dependencies (see its output above)");
  writeFileSync(stamp, dependencyFingerprint());
}

function build() {
  step("build (turbo; cached when nothing changed)");
  if (run("npx", ["turbo", "run", "build", "--output-logs=errors-only"]) !== 0) {
    fail("the build failed (see the output above; `npx turbo run build` repeats it)");
  }
}

ensureDebianPackages();
ensureNpmDependencies();
if (!skipBuild) build();
console.log("[setup] ready");
