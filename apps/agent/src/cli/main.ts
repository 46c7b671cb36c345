import { Command, CommanderError } from "commander";
import { registerAgentCommand } from "./commands/agent.js";
import { registerBenchCommand } from "./commands/bench.js";
import { registerLogsCommand } from "./commands/logs.js";
import { registerNicsCommand } from "./commands/nics.js";
import { registerNodeCommand } from "./commands/node.js";
import { registerPsCommand } from "./commands/ps.js";
import { registerRunCommand } from "./commands/run.js";
import { registerStatsCommand } from "./commands/stats.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from "./exit-codes.js";

export function buildProgram(): Command {
  const program = new Command("sluice")
    .description("Sluice node agent and tools")
    .version("0.1.0")
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .showSuggestionAfterError(true);
  registerNodeCommand(program);
  registerNicsCommand(program);
  registerRunCommand(program);
  registerBenchCommand(program);
  registerPsCommand(program);
  registerLogsCommand(program);
  registerAgentCommand(program);
  registerStatsCommand(program);
  exitOverrideEverywhere(program);
  return program;
}

function exitOverrideEverywhere(command: Command): void {
  for (const sub of command.commands) {
    sub.exitOverride();
    exitOverrideEverywhere(sub);
  }
}

/** Runs the CLI and returns the exit code, so callers (and tests) decide when to exit. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its one-line message; help and version are not errors.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      console.error(`sluice: ${error.message}`);
      return EXIT_USAGE;
    }
    console.error(`sluice: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_FAILURE;
  }
}
