// Reading a system tree (sysfs, procfs) under a root path, so every reader runs against the real
// machine ("/") and against recorded trees in test-fixtures/ alike. Missing or unreadable files are
// facts of life in sysfs (a virtual NIC has no speed, a VM has no isolated file), so reads return
// undefined instead of throwing.
import { readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { basename, join } from "node:path";

export class SystemTree {
  constructor(readonly root: string = "/") {}

  path(relative: string): string {
    return join(this.root, relative);
  }

  text(relative: string): string | undefined {
    try {
      return readFileSync(this.path(relative), "utf8").trim();
    } catch {
      return undefined;
    }
  }

  integer(relative: string): number | undefined {
    const text = this.text(relative);
    if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
    return Number(text);
  }

  /** Entry names of a directory, sorted naturally (eth2 before eth10), or [] if there is none. */
  list(relative: string): string[] {
    try {
      return readdirSync(this.path(relative)).sort(naturalOrder);
    } catch {
      return [];
    }
  }

  /** The last path component a symlink points to, e.g. the driver name of `device/driver`. */
  linkName(relative: string): string | undefined {
    try {
      return basename(readlinkSync(this.path(relative)));
    } catch {
      return undefined;
    }
  }

  /** The fully resolved path of a file, relative to the root, or undefined when it does not exist. */
  resolve(relative: string): string | undefined {
    try {
      const root = realpathSync(this.root);
      const resolved = realpathSync(this.path(relative));
      return root === "/" ? resolved : resolved.slice(root.length) || "/";
    } catch {
      return undefined;
    }
  }
}

export function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}
