// Loads the compiled addon. The typed, ergonomic API is @sluice/libos; this is the raw binding.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const addonPath = join(dirname(fileURLToPath(import.meta.url)), "build", "release", "sluice.node");
/** The LD_PRELOAD library of transparent acceleration (docs/accelerate.md). */
export const preloadLibraryPath = join(dirname(addonPath), "libsluice_preload.so");

/** @type {import("./index.d.ts").NativeBinding | undefined} */
let binding;

/** @returns {import("./index.d.ts").NativeBinding} */
export function loadNative() {
  if (binding) return binding;
  if (!existsSync(addonPath)) {
    throw new Error(`the Sluice addon is not built (${addonPath} is missing): run \`npm run build\``);
  }
  binding = createRequire(import.meta.url)(addonPath);
  return /** @type {import("./index.d.ts").NativeBinding} */ (binding);
}
