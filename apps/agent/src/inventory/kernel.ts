// The running kernel: its release and the boot parameters the agent cares about.
import { release } from "node:os";
import type { SystemTree } from "./sysfs.js";

export interface KernelInfo {
  release: string;
  /** The kernel's own parameters (those after a lone "--" belong to init and are left out). */
  cmdline: string[];
}

export function readKernel(tree: SystemTree): KernelInfo {
  const fromTree = tree.text("proc/sys/kernel/osrelease");
  return {
    release: fromTree ?? (tree.root === "/" ? release() : "unknown"),
    cmdline: parseKernelCmdline(tree.text("proc/cmdline") ?? ""),
  };
}

export function parseKernelCmdline(text: string): string[] {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const end = words.indexOf("--");
  return end === -1 ? words : words.slice(0, end);
}

/** The value of the last `name=value` parameter (the kernel lets later ones win), if any. */
export function kernelParameter(cmdline: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (const word of cmdline) if (word.startsWith(`${name}=`)) value = word.slice(name.length + 1);
  return value;
}
