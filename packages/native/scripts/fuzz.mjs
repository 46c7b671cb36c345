// Runs every libFuzzer target (fuzz/*.cpp) on its seed corpus for a bounded time. `npm test` runs it
// briefly; `npm run fuzz -- --seconds 600` runs longer. New inputs go to a scratch corpus under
// build/, so the committed seeds stay small; crashes are written to build/fuzz/crashes/.
import { mkdirSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { buildTree, packageRoot, run } from "./cmake.mjs";

const secondsFlag = process.argv.indexOf("--seconds");
const seconds = secondsFlag > 0 ? Number(process.argv[secondsFlag + 1]) : 20;
if (!(seconds > 0)) {
  console.error("--seconds must be a positive number");
  process.exit(2);
}

const dir = buildTree("fuzz");
const targets = readdirSync(join(packageRoot, "fuzz"))
  .filter((file) => file.endsWith(".cpp"))
  .map((file) => basename(file, ".cpp"));
for (const target of targets) {
  const seeds = join(packageRoot, "fuzz", "corpus", target.replace(/^fuzz_/, ""));
  const scratch = join(packageRoot, dir, "corpus", target);
  const crashes = join(packageRoot, dir, "crashes");
  mkdirSync(scratch, { recursive: true });
  mkdirSync(crashes, { recursive: true });
  console.log(`\n== fuzz ${target} for ${seconds}s ==`);
  run(join(dir, target), [
    `-max_total_time=${seconds}`,
    "-print_final_stats=1",
    `-artifact_prefix=${crashes}/`,
    scratch,
    seeds,
  ]);
}
