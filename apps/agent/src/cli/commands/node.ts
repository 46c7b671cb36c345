import type { Command } from "commander";
import { readHostSummary } from "../../inventory/host.js";

export function registerNodeCommand(program: Command): void {
  program
    .command("node")
    .description("show this node's kernel, CPUs, memory and usable LibOS backends")
    .option("--json", "print one JSON object")
    .action((options: { json?: boolean }) => {
      const summary = readHostSummary();
      if (options.json) {
        console.log(JSON.stringify(summary));
        return;
      }
      console.log(`kernel   ${summary.kernel}`);
      console.log(`cpus     ${summary.onlineCpus.join(",")}`);
      console.log(`memory   ${(summary.memoryBytes / 2 ** 30).toFixed(1)} GiB`);
      for (const b of summary.backends) {
        console.log(`backend  ${b.backend.padEnd(7)} ${b.usable ? "usable" : `unusable: ${b.reason}`}`);
      }
    });
}
