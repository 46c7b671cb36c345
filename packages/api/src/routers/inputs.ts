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

export const byId = z.object({ id: z.uuid() });
