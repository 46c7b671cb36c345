// A token's slot and generation, on both sides of the exact-double limit (driver.ts splits tokens
// without BigInt arithmetic while the generation is below 2^21).
import { describe, expect, it } from "vitest";
import { generationOf, slotOf } from "./driver.js";
import type { QToken } from "./types.js";

const token = (generation: number, slot: number): QToken => (BigInt(generation) << 32n) | BigInt(slot);

describe("token slot and generation", () => {
  it.each([
    [1, 1],
    [7, 0xffffffff],
    [2 ** 21 - 1, 0xffffffff], // the largest token below the limit
    [2 ** 21, 0], // the first one above it
    [2 ** 31 + 5, 123456],
    [0xffffffff, 0xfffffffe],
  ])("generation %i, slot %i", (generation, slot) => {
    const qt = token(generation, slot);
    expect(slotOf(qt)).toBe(slot);
    expect(generationOf(qt)).toBe(generation);
  });
});
