import { buildTree, FLAVOURS } from "./cmake.mjs";

const flavour = process.argv[2] ?? "release";
if (!(flavour in FLAVOURS)) {
  console.error(`unknown build flavour "${flavour}" (expected one of: ${Object.keys(FLAVOURS).join(", ")})`);
  process.exit(2);
}
buildTree(flavour);
