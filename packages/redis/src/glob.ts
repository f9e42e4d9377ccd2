/**
 * SCAN MATCH takes a glob pattern: `*`, `?` and `[...]` are wildcards and `\` escapes. Keys and
 * key prefixes are user text that may contain any of them, so every one is escaped; otherwise a
 * prefix `a*` would also list `abc`, and a keyPrefix `ns[1]:` would match `ns1:` of another store.
 */
export function escapeGlob(text: string): string {
  return text.replace(/[\\*?[\]]/g, "\\$&");
}

/** The pattern matching every key that starts with `prefix`, literally. */
export function prefixPattern(prefix: string): string {
  return `${escapeGlob(prefix)}*`;
}
