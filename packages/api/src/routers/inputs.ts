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
export const labelKey = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9._/-]{0,61}[a-z0-9])?$/, "lower-case letters, digits, '.', '_', '-' or '/', at most 63");
export const labelValue = z
  .string()
  .regex(/^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/, "letters, digits, '.', '_' or '-', at most 63");
export const labels = z
  .record(labelKey, labelValue)
  .refine((value) => Object.keys(value).length <= 32, "at most 32 labels");

export const byId = z.object({ id: z.uuid() });
