// Input pieces shared by several routers.
import { z } from "zod";

export const username = z
  .string()
  .trim()
  .min(2, "at least 2 characters")
  .max(64, "at most 64 characters")
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "lowercase letters, digits, '.', '_' and '-', starting with a letter or digit");

export const newPassword = z.string().min(12, "at least 12 characters").max(256, "at most 256 characters");

export const role = z.enum(["viewer", "operator", "admin"]);

/** Label keys and values as Kubernetes spells them, so selectors read the same in both places. */
const LABEL_KEY = /^[a-z0-9]([a-z0-9._/-]{0,61}[a-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;

/** Each bad label gets its own message naming it (zod's own record-key error says only "Invalid key"). */
export const labels = z.record(z.string(), z.string()).superRefine((value, context) => {
  const entries = Object.entries(value);
  if (entries.length > 32) context.addIssue({ code: "custom", message: "at most 32 labels" });
  for (const [key, text] of entries) {
    if (!LABEL_KEY.test(key)) {
      context.addIssue({
        code: "custom",
        path: [key],
        message: `key "${key}": lower-case letters, digits, '.', '_', '-' or '/', at most 63, starting and ending with a letter or digit`,
      });
    } else if (!LABEL_VALUE.test(text)) {
      context.addIssue({
        code: "custom",
        path: [key],
        message: `value of ${key}: letters, digits, '.', '_' or '-', at most 63, starting and ending with a letter or digit`,
      });
    }
  }
});

export const byId = z.object({ id: z.uuid() });
