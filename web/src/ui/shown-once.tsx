import { type ReactNode, useId } from 'react';
import { Alert } from './alert';
import { Button } from './button';
import { CopyButton } from './copy-button';
import { download } from './download';

/** One value of a secret panel. */
export interface ShownValue {
  /** A heading above it, when the panel shows more than one value. */
  label?: string;
  value: string;
  /** `data-secret` of the value's element (what tests and styles find it by). */
  kind: string;
  /** Offers it as a file too: the file name and the button's text. */
  download?: { file: string; label: string };
}

/**
 * What the server (or this browser) makes once and never shows again (API token, service token
 * secret, a private key): each value with copy (and download) buttons, until "Done".
 */
export function ShownOnce(props: {
  title: string;
  /** Why to copy it now; by default "Copy it now: this is the only time it is shown."; null for none. */
  notice?: ReactNode;
  values: readonly ShownValue[];
  onDone: () => void;
}) {
  const titleId = useId();
  return (
    <section className="card" aria-labelledby={titleId}>
      <h2 id={titleId}>{props.title}</h2>
      {props.notice === null ? null : (
        <Alert kind="info">{props.notice ?? 'Copy it now: this is the only time it is shown.'}</Alert>
      )}
      {props.values.map((v) => (
        <div key={v.kind}>
          {v.label === undefined ? null : <h3>{v.label}</h3>}
          <div className="secret-box">
            <pre data-secret={v.kind}>{v.value}</pre>
            <CopyButton text={v.value} />
            {v.download === undefined ? null : (
              <Button onClick={() => v.download !== undefined && download(v.download.file, v.value)}>
                {v.download.label}
              </Button>
            )}
          </div>
        </div>
      ))}
      <Button onClick={props.onDone}>Done</Button>
    </section>
  );
}
