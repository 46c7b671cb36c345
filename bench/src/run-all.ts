// `npm run bench`: every benchmark in turn. `--quick` shortens each run.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const benches = ["udp-echo.ts", "capi-overhead.ts", "ts-echo.ts"];
let failed = 0;
for (const bench of benches) {
  const result = spawnSync(process.execPath, ["--import", "tsx", join(here, bench), ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  if (result.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
