/**
 * `--tag KEY=VALUE` of a connector, sent at registration and shown in the API's connector view.
 * Bounded: the edge stores them with every connection, so a connector must not make it store much.
 */
export const MAX_CONNECTOR_TAGS = 16;
export const MAX_TAG_KEY_LENGTH = 64; // characters
export const MAX_TAG_VALUE_LENGTH = 256; // characters

/** Letters, digits and `_ . : / -` (cloudflared's tags are labels, not free text). */
const KEY = /^[A-Za-z0-9_.:/-]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Why `tags` break the rules, or undefined when they are fine. The connector checks its flags
 * with it at start; the edge checks what arrives (a connector may be hostile).
 */
export function connectorTagsProblem(tags: Readonly<Record<string, unknown>>): string | undefined {
  const keys = Object.keys(tags);
  if (keys.length > MAX_CONNECTOR_TAGS) return `${keys.length} tags; at most ${MAX_CONNECTOR_TAGS} are allowed`;
  for (const k of keys) {
    // "__proto__" would turn into a prototype wherever the tags are copied with `=`.
    if (k.length === 0 || k.length > MAX_TAG_KEY_LENGTH || !KEY.test(k) || k === '__proto__') {
      return `tag name "${k.slice(0, MAX_TAG_KEY_LENGTH)}" must be 1 to ${MAX_TAG_KEY_LENGTH} letters, digits or _ . : / -`;
    }
    const v = tags[k];
    if (typeof v !== 'string') return `tag ${k} must have a string value`;
    if (v.length > MAX_TAG_VALUE_LENGTH || CONTROL.test(v)) {
      return `tag ${k}'s value must be at most ${MAX_TAG_VALUE_LENGTH} characters without control characters`;
    }
  }
  return undefined;
}
