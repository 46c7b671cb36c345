// `--state-dir DIR`: where the supervisor keeps instance state (see README.md).
import type { Command } from "commander";
import { defaultStateDir } from "../supervisor/state-store.js";

export interface StateDirFlags {
  stateDir: string;
}

export function addStateDirOption(command: Command): Command {
  return command.option("--state-dir <dir>", "the agent's state directory", defaultStateDir());
}
