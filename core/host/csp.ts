/**
 * The renderer's Content Security Policy, one source of truth for both doors:
 *  - `cspMeta()` is the `<meta http-equiv>` in renderer/index.html (the only policy a file://
 *    page in Electron gets; a static test keeps the file equal to it);
 *  - `cspHeader(port)` is the header the headless gateway sends with every HTML response, the
 *    same policy plus what only a header can carry (`frame-ancestors`) and WebSocket connections
 *    narrowed to the gateway's own port.
 * Both apply together in a browser, so the header can only narrow the meta policy.
 * No inline script, no eval, no script or connection to any other origin, no plugins, no
 * <base> rewriting, no form posts, no frames.
 */

export type CspDirectives = ReadonlyArray<readonly [string, readonly string[]]>;

const LOOPBACK_WS_ANY_PORT = ['ws://127.0.0.1:*', 'ws://localhost:*'] as const;

function directives(connect: readonly string[]): CspDirectives {
  return [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'"]],
    ['style-src', ["'self'", "'unsafe-inline'"]],
    ['img-src', ["'self'", 'data:', 'blob:']],
    ['font-src', ["'self'", 'data:']],
    ['connect-src', ["'self'", ...connect]],
    ['object-src', ["'none'"]],
    ['frame-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
  ];
}

function render(d: CspDirectives): string {
  return d.map(([name, values]) => `${name} ${values.join(' ')}`).join('; ');
}

/**
 * The policy in renderer/index.html. Its WebSocket sources allow any loopback port because a
 * static file cannot know the gateway's port; the gateway's header narrows them.
 */
export function cspMeta(): string {
  return render(directives(LOOPBACK_WS_ANY_PORT));
}

/** The policy the headless gateway on `port` sends as a response header. */
export function cspHeader(port: number): string {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`cspHeader: port must be an integer in 1..65535, got ${String(port)}`);
  return `${render(directives([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]))}; frame-ancestors 'none'`;
}

/** Parses a policy into directive → sources (lower-cased names), for checks and tests. */
export function parseCsp(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name && !out.has(name.toLowerCase())) out.set(name.toLowerCase(), values);
  }
  return out;
}
