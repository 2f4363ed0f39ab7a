import { type ReactNode, useState } from 'react';
import { Dialog } from './dialog';

/** One "are you sure?" question. */
export interface Confirmation {
  title: string;
  /** What happens, in words (the dialog's body). */
  body: ReactNode;
  confirmLabel: string;
  /** The request; the dialog closes when it succeeds and shows the error when it throws. */
  run: () => Promise<unknown>;
}

/**
 * The page's one confirm dialog for destructive actions: `confirm.ask({...})` opens it with that
 * question; render `confirm.dialog` once in the page.
 */
export function useConfirm(): { ask: (c: Confirmation) => void; dialog: ReactNode } {
  const [pending, setPending] = useState<Confirmation | undefined>(undefined);
  const close = () => setPending(undefined);
  const dialog = (
    <Dialog
      open={pending !== undefined}
      title={pending?.title ?? ''}
      submitLabel={pending?.confirmLabel ?? ''}
      danger
      onSubmit={async () => {
        if (pending === undefined) return;
        await pending.run();
        close();
      }}
      onClose={close}
    >
      {pending?.body}
    </Dialog>
  );
  return { ask: setPending, dialog };
}
