// `--root DIR`: read a recorded system tree (see `sluice node --record`) instead of this machine.
import { existsSync } from "node:fs";
import type { Command } from "commander";
import type { InventorySources } from "../inventory/node.js";
import { UsageError } from "./exit-codes.js";

export interface InventoryRootFlags {
  root?: string;
}

export function addInventoryRootOption(command: Command): Command {
  return command.option("--root <dir>", "read a recorded system tree instead of this machine");
}

export function inventorySources(flags: InventoryRootFlags): InventorySources {
  if (flags.root === undefined) return {};
  if (!existsSync(`${flags.root}/sys`)) throw new UsageError(`--root ${flags.root} has no sys/ directory to read`);
  return { root: flags.root };
}
