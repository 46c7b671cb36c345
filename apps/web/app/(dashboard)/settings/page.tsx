import { JoinTokens } from "../../../src/client/components/join-tokens";
import { Users } from "../../../src/client/components/users";

export default function SettingsPage() {
  return (
    <>
      <h1>Settings</h1>
      <JoinTokens />
      <Users />
    </>
  );
}
