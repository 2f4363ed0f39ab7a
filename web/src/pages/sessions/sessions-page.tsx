import type { PageProps } from '../../routes';
import { PageHeader } from '../../ui';

/** The signed-in user's dashboard sessions. */
export function SessionsPage(_: PageProps) {
  return <PageHeader title="Sessions" description="Where you are signed in to the dashboard." />;
}
