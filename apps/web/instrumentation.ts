// Runs once when the server starts: migrate, create the first admin, start the heartbeat sweep, before any
// request arrives, so the admin password is printed at start-up rather than on the first page view.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getControlPlane } = await import("./src/server/control-plane");
  await getControlPlane();
}
