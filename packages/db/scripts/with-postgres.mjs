#!/usr/bin/env node
// Runs a command against a throwaway PostgreSQL server (Debian's postgresql binaries): a fresh
// cluster in a temp dir on a free loopback port, exported as SLUICE_TEST_DATABASE_URL, always
// stopped and deleted afterwards. Usage: node with-postgres.mjs COMMAND [ARGS...]
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

function fail(message) {
  console.error(`with-postgres: ${message}`);
  process.exit(1);
}

function postgresBin() {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const bin = versions.map((v) => join(root, v, "bin")).find((dir) => existsSync(join(dir, "initdb")));
  if (!bin) fail("PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)");
  return bin;
}

async function freePort() {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const command = process.argv.slice(2);
if (command.length === 0) fail("usage: with-postgres.mjs COMMAND [ARGS...]");
const bin = postgresBin();
const asRoot = process.getuid?.() === 0;
// initdb refuses to run as root; the cluster then belongs to Debian's postgres user.
const asOwner = (argv) => (asRoot ? ["runuser", "-u", "postgres", "--", ...argv] : argv);
const runAsOwner = (argv) => {
  const [file, ...args] = asOwner(argv);
  return spawnSync(file, args, { encoding: "utf8" });
};
const run = (argv) => {
  const result = runAsOwner(argv);
  // Thrown, not exited, so the cluster is still stopped and removed below.
  if (result.status !== 0) throw new Error(`\`${argv.join(" ")}\` failed: ${result.stderr || result.stdout}`);
};

const dir = mkdtempSync(join(tmpdir(), "sluice-pg-"));
if (asRoot) {
  const id = (flag) => Number(spawnSync("id", [flag, "postgres"], { encoding: "utf8" }).stdout.trim());
  chownSync(dir, id("-u"), id("-g"));
}
const data = join(dir, "data");
const port = await freePort();
let started = false;
const stop = () => {
  if (started) runAsOwner([join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "stop"]);
  started = false;
  rmSync(dir, { recursive: true, force: true });
};
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    stop();
    process.exit(130);
  });
}

let status = 1;
try {
  run([join(bin, "initdb"), "-D", data, "-U", "sluice", "-A", "trust", "--no-sync", "-E", "UTF8"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off`;
  run([join(bin, "pg_ctl"), "-D", data, "-o", options, "-l", join(dir, "server.log"), "-w", "start"]);
  started = true;
  const url = `postgres://sluice@127.0.0.1:${port}/postgres`;
  console.log(`with-postgres: PostgreSQL at ${url}`);
  const result = spawnSync(command[0], command.slice(1), {
    stdio: "inherit",
    env: { ...process.env, SLUICE_TEST_DATABASE_URL: url },
  });
  status = result.status ?? 1;
} catch (error) {
  console.error(`with-postgres: ${error.message}`);
} finally {
  stop();
}
process.exit(status);
