/**
 * One CSV field: always quoted, quotes doubled. A value that starts with = + - @ (or a tab or CR)
 * gets a leading ' so a spreadsheet shows it instead of running it as a formula: actor e-mails,
 * names and record contents in the audit log come from other people.
 */
export function csvField(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return `"${safe.replaceAll('"', '""')}"`;
}

/** Rows as CSV (CRLF line ends, as RFC 4180). */
export function csvRows(rows: readonly (readonly string[])[]): string {
  return `${rows.map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`;
}
