import { defineConfig } from "vitest/config";

export default defineConfig({ test: { include: ["validate/**/*.test.ts"], testTimeout: 120_000 } });
