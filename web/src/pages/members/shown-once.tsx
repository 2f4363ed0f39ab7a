import { Alert, Button, CopyButton } from '../../ui';

/** A secret the server returns once (API token, service token): copy it now, it is never shown again. */
export function ShownOnce(props: { title: string; value: string; onDone: () => void }) {
  return (
    <section className="card" aria-labelledby="shown-once-title">
      <h2 id="shown-once-title">{props.title}</h2>
      <Alert kind="info">Copy it now: this is the only time it is shown.</Alert>
      <div className="secret-box">
        <code data-secret="shown-once">{props.value}</code>
        <CopyButton text={props.value} />
      </div>
      <Button onClick={props.onDone}>Done</Button>
    </section>
  );
}
