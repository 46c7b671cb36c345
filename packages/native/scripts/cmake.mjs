// Configures and builds one CMake tree of packages/native. Shared by build.mjs and test.mjs.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Build flavours: the addon + release tests, and a sanitizer build of the tests alone. */
export const FLAVOURS = {
  release: ["-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DSLUICE_ADDON=ON"],
  asan: ["-DCMAKE_BUILD_TYPE=Debug", "-DSLUICE_ADDON=OFF", "-DSLUICE_SANITIZE=ON"],
  // libFuzzer targets need clang; ASan and UBSan come with them.
  fuzz: [
    "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
    "-DCMAKE_C_COMPILER=clang",
    "-DCMAKE_CXX_COMPILER=clang++",
    "-DSLUICE_ADDON=OFF",
    "-DSLUICE_TESTS=OFF",
    "-DSLUICE_FUZZ=ON",
  ],
};

export function run(command, args, options = {}) {
  console.log(`$ ${[command, ...args].join(" ")}`);
  const result = spawnSync(command, args, { stdio: "inherit", cwd: packageRoot, ...options });
  if (result.error) throw new Error(`could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    console.error(`${command} failed with exit code ${result.status}`);
    process.exit(result.status ?? 1);
  }
}

function nodeAddonDirs() {
  const nodeInclude = join(dirname(dirname(process.execPath)), "include", "node");
  if (!existsSync(join(nodeInclude, "node_api.h"))) {
    throw new Error(`Node headers not found at ${nodeInclude} (install Node with its headers)`);
  }
  const require = createRequire(import.meta.url);
  const addonApi = require("node-addon-api").include_dir;
  return [`-DNODE_INCLUDE_DIR=${nodeInclude}`, `-DNODE_ADDON_API_DIR=${resolve(packageRoot, addonApi)}`];
}

export function buildTree(flavour) {
  const dir = join("build", flavour);
  const extra = flavour === "release" ? nodeAddonDirs() : [];
  if (!existsSync(join(packageRoot, dir, "CMakeCache.txt"))) {
    run("cmake", ["-S", ".", "-B", dir, ...FLAVOURS[flavour], ...extra]);
  }
  run("cmake", ["--build", dir, "--parallel", String(Math.max(1, cpus().length))]);
  return dir;
}
