import { controlPlaneStatus } from "../../../src/status";

export const dynamic = "force-dynamic";

export function GET() {
  return Response.json(controlPlaneStatus());
}
