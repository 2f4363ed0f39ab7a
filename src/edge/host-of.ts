/** The hostname of a Host header or authority: lower case, no port, no trailing dot; IPv6 literals keep their brackets. */
export function hostOf(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  let h = header.toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? undefined : h.slice(0, end + 1);
  }
  const colon = h.indexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h === '' ? undefined : h;
}
