import type { ErrorSpec } from './error-spec.js';
import { ERROR_TABLE } from './error-table.js';

const INTRO = `# Error codes

<!-- Generated from src/errors/error-table*.ts by \`npm run docs:errors\`; edit the table, not this file. -->

Every error warren reports across a boundary (command line, API, wire protocol, visitor
pages) carries one of these stable codes. Match on the code, not on the message.

- **status**: the HTTP status when the code answers an HTTP request (API, visitor page, Access refusal).
- **CF code**: the numeric \`errors[].code\` of the API's Cloudflare envelope; warren's own code is in \`errors[].warren_code\`.
- **retryable**: whether trying again can succeed; the connector retries these with backoff.
`;

/** A table cell: a pipe would end the cell, a newline the row. */
const cell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** docs/errors.md as generated from the error table. */
export function renderErrorsDoc(table: Readonly<Record<string, ErrorSpec>> = ERROR_TABLE): string {
  const rows = Object.entries(table).map(
    ([code, s]) =>
      `| \`${code}\` | ${cell(s.where)} | ${s.status ?? '–'} | ${s.cf ?? '–'} | ${s.retryable ? 'yes' : 'no'} | ${cell(s.meaning)} | ${cell(s.action)} |`,
  );
  return `${INTRO}
| code | where | status | CF code | retryable | meaning | what to do |
|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
}
