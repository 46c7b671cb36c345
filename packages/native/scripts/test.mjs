// Native tests: the unit tests in the release build, then the same tests under ASan+UBSan, then a
// short libFuzzer run of every fuzz target.
import { buildTree, run } from "./cmake.mjs";

const sanitizerEnv = {
  ...process.env,
  ASAN_OPTIONS: "detect_leaks=1:abort_on_error=1:strict_string_checks=1",
  UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=1",
};

for (const flavour of ["release", "asan"]) {
  const dir = buildTree(flavour);
  console.log(`\n== native tests (${flavour}) ==`);
  run("ctest", ["--test-dir", dir, "--output-on-failure", "--timeout", "300"], {
    env: flavour === "asan" ? sanitizerEnv : process.env,
  });
}

run(process.execPath, ["scripts/fuzz.mjs", "--seconds", "20"]);
