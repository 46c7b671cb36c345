import { LabelledInput } from "./field";

type OnValue = (event: { target: { value: string } }) => void;

/** How many cores and NIC queues to give an app: the same two inputs wherever an app is placed. */
export function CoresAndQueues({
  cores,
  queues,
  onCores,
  onQueues,
  messages,
  size,
}: {
  cores: string;
  queues: string;
  onCores: OnValue;
  onQueues: OnValue;
  messages: { cores: string[] | undefined; queues: string[] | undefined };
  size: number;
}) {
  return (
    <>
      <LabelledInput
        label="Cores"
        name="cores"
        type="number"
        min={0}
        value={cores}
        onChange={onCores}
        size={size}
        messages={messages.cores}
      />
      <LabelledInput
        label="Queues"
        name="queues"
        type="number"
        min={0}
        value={queues}
        onChange={onQueues}
        size={size}
        messages={messages.queues}
      />
    </>
  );
}

/** Whether an app's cores may be SMT siblings of other apps' cores. */
export function SmtSharingCheckbox({ checked, onChange }: { checked: boolean; onChange: (checked: boolean) => void }) {
  return (
    <label>
      <span>
        <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} /> allow SMT
        sharing
      </span>
    </label>
  );
}
