#!/usr/bin/env node
// Removes namespaces left by crashed harness runs. `--all` also removes those of live processes.
import { deleteNamespaceSync, listNamespaces } from "./ip.js";
import { parseNamespaceName } from "./names.js";
import { sweepStaleNamespaces } from "./sweep.js";

const all = process.argv.includes("--all");
const removed = all
  ? listNamespaces().filter((name) => parseNamespaceName(name) !== undefined)
  : sweepStaleNamespaces();
if (all) for (const name of removed) deleteNamespaceSync(name);
console.log(removed.length === 0 ? "no leftover namespaces" : `removed ${removed.join(", ")}`);
