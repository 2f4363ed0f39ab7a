import { Button } from './button';

/** Previous / Next under a paged table, with where the reader is ("Page 2 of 3 (120 members)"). */
export function Pager(props: {
  page: number;
  pages: number;
  total: number;
  noun: string;
  onPage: (p: number) => void;
  /** The buttons' words; default Previous and Next (the audit log says Newer and Older). */
  labels?: readonly [string, string];
}) {
  const { page, pages, total, noun, onPage } = props;
  const [back, forward] = props.labels ?? ['Previous', 'Next'];
  return (
    <nav className="form-row" aria-label="Pages">
      <Button onClick={() => onPage(page - 1)} disabled={page <= 1}>
        {back}
      </Button>
      <span>
        Page {page} of {pages} ({total} {noun})
      </span>
      <Button onClick={() => onPage(page + 1)} disabled={page >= pages}>
        {forward}
      </Button>
    </nav>
  );
}
