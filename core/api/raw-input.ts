/**
 * Raw input as it arrives at a door, before its schema sees it. Shared by dispatch, the MCP door's
 * line check and the agents' tool-argument parser, so every door refuses the same keys the same way.
 */

/**
 * Keys that some parsers drop or turn into a prototype instead of keeping (`{"__proto__": …}` in
 * JSON): refused wherever they appear, exactly like any other key a verb does not know, so a
 * hostile field can never slip past validation at one door and not another.
 */
const FORBIDDEN_KEYS = new Set(['__proto__']);

/** The first forbidden own key in a parsed input, with its path; null when there is none. */
export function forbiddenKey(raw: unknown, depth = 0): { path: string; key: string } | null {
  if (depth > 32 || raw === null || typeof raw !== 'object') return null;
  for (const key of Object.keys(raw)) {
    if (FORBIDDEN_KEYS.has(key)) return { path: '', key };
    const inner = forbiddenKey((raw as Record<string, unknown>)[key], depth + 1);
    if (inner) return { path: inner.path ? `${key}.${inner.path}` : key, key: inner.key };
  }
  return null;
}

/** The refusal for a forbidden key, worded as zod words an unknown key. */
export function forbiddenKeyIssue(found: { path: string; key: string }): { path: string; message: string } {
  return { path: found.path || '(root)', message: `Unrecognized key: ${JSON.stringify(found.key)}` };
}
