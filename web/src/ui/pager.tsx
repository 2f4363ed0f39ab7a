import { Button } from './button';

/** Previous / Next under a paged table, with where the reader is ("Page 2 of 3 (120 members)"). */
export function Pager(props: {
  page: number;
  pages: number;
  total: number;
  noun: string;
  onPage: (p: number) => void;
}) {
  const { page, pages, total, noun, onPage } = props;
  return (
    <nav className="form-row" aria-label="Pages">
      <Button onClick={() => onPage(page - 1)} disabled={page <= 1}>
        Previous
      </Button>
      <span>
        Page {page} of {pages} ({total} {noun})
      </span>
      <Button onClick={() => onPage(page + 1)} disabled={page >= pages}>
        Next
      </Button>
    </nav>
  );
}
