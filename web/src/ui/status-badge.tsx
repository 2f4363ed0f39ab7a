/** Statuses the dashboard shows; each has a word and a shape, never colour alone. */
export type Status =
  | 'healthy'
  | 'degraded'
  | 'down'
  | 'inactive'
  | 'active'
  | 'pending'
  | 'moved'
  | 'revoked'
  | 'expired'
  | 'deleted'
  | 'failing';

const LOOK: Record<Status, { icon: string; tone: 'good' | 'warn' | 'bad' | 'idle' }> = {
  healthy: { icon: '●', tone: 'good' },
  active: { icon: '●', tone: 'good' },
  degraded: { icon: '◐', tone: 'warn' },
  pending: { icon: '◌', tone: 'warn' },
  down: { icon: '✕', tone: 'bad' },
  revoked: { icon: '✕', tone: 'bad' },
  expired: { icon: '✕', tone: 'bad' },
  failing: { icon: '✕', tone: 'bad' },
  inactive: { icon: '○', tone: 'idle' },
  moved: { icon: '○', tone: 'idle' },
  deleted: { icon: '○', tone: 'idle' },
};

export function StatusBadge({ status, label }: { status: Status; label?: string }) {
  const look = LOOK[status];
  return (
    <span className={`badge badge-${look.tone}`}>
      <span aria-hidden="true">{look.icon}</span>
      <span>{label ?? `${status[0]?.toUpperCase() ?? ''}${status.slice(1)}`}</span>
    </span>
  );
}
