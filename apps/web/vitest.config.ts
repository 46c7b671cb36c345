import { defineConfig } from "vitest/config";

export default defineConfig({
  // Each server test file starts its own `next start`; one at a time keeps a 2-core machine responsive.
  test: { include: ["test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 180_000, fileParallelism: false },
});
