/**
 * The network guard of the test suite: every connection a test process (or a Node child it
 * spawns) opens must stay on this machine. `installNetGuard` wraps `net.Socket#connect` — the
 * path every TCP and TLS connection in Node takes (net, tls, http, https, http2, fetch/undici,
 * ws, grpc-js) — and the DNS lookups of `node:dns`. A loopback address, `localhost` or a unix
 * socket passes, and so does an address of one of this machine's own interfaces (a connection to
 * it never leaves the host: the gateway test dials them to prove it listens on loopback only);
 * anything else is refused (the socket errors as a refused connection, the lookup
 * as an unknown name) and reported to `record`, which the test setup turns into a failing test.
 *
 * Plain JavaScript so that child processes can preload it with `--import` (see
 * net-guard-child.mjs) without a TypeScript loader.
 */
import dns from 'node:dns';
import net from 'node:net';
import os from 'node:os';

const INSTALLED = Symbol.for('vigil.netGuard.installed');

/** True for 127.0.0.0/8, ::1, an IPv4-mapped loopback, `localhost` (and `*.localhost`). */
export function isLoopbackHost(host) {
  if (host === undefined || host === null || host === '') return true; // net defaults to localhost
  let h = String(host).trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) {
    if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^(?:0{1,4}:){0,5}(?::)?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h) ?? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped !== null && mapped[1].startsWith('127.');
  }
  return false;
}

/** The addresses of this machine's own interfaces, read once. */
let own = null;
function ownAddresses() {
  if (own === null) {
    own = new Set();
    for (const list of Object.values(os.networkInterfaces())) for (const i of list ?? []) own.add(i.address.toLowerCase().split('%')[0]);
  }
  return own;
}

/** Loopback, or an address of this machine (never a name: a name needs a lookup). */
export function isOnThisMachine(host) {
  if (isLoopbackHost(host)) return true;
  const h = String(host).trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return net.isIP(h) !== 0 && h !== '0.0.0.0' && h !== '::' && ownAddresses().has(h);
}

/**
 * Where a `Socket#connect` call goes. Its arguments come as `(options[, cb])`, `(port[, host]
 * [, cb])`, `(path[, cb])`, or — from `net.connect` — one array of already-normalised arguments.
 */
export function connectTarget(args) {
  let first = args[0];
  let second = args[1];
  if (Array.isArray(first)) {
    second = first[1];
    first = first[0];
  }
  if (first !== null && typeof first === 'object') {
    if (first.path !== undefined && first.path !== null) return { kind: 'unix', path: String(first.path) };
    return { kind: 'tcp', host: first.host ?? first.hostname, port: first.port };
  }
  if (typeof first === 'string' && first !== '' && !/^\d+$/.test(first)) return { kind: 'unix', path: first };
  return { kind: 'tcp', host: typeof second === 'string' ? second : undefined, port: first };
}

function guardError(what, code) {
  const err = new Error(`test network guard: ${what} refused — tests must not leave this machine (loopback and unix sockets only)`);
  err.code = code;
  return err;
}

function shortStack() {
  return (new Error().stack ?? '')
    .split('\n')
    .slice(3)
    .filter((l) => !l.includes('net-guard') && !/[( ]node:/.test(l))
    .slice(0, 8)
    .map((l) => l.trim())
    .join('\n    ');
}

/**
 * Install once per process (later calls only return false). `record` receives
 * `{ kind: 'connect' | 'lookup', target, pid, stack }` for every refused attempt.
 */
export function installNetGuard(record) {
  if (globalThis[INSTALLED]) return false;
  globalThis[INSTALLED] = true;

  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(...args) {
    const t = connectTarget(args);
    if (t.kind === 'unix' || isOnThisMachine(t.host)) return connect.apply(this, args);
    const target = `${t.host}:${t.port}`;
    record({ kind: 'connect', target, pid: process.pid, stack: shortStack() });
    const err = guardError(`connection to ${target}`, 'ECONNREFUSED');
    this.connecting = true;
    process.nextTick(() => this.destroy(err));
    return this;
  };

  const refuseName = (kind, hostname) => {
    record({ kind, target: String(hostname), pid: process.pid, stack: shortStack() });
    return guardError(`DNS ${kind} of ${hostname}`, 'ENOTFOUND');
  };

  const lookup = dns.lookup;
  dns.lookup = function guardedLookup(hostname, ...rest) {
    if (isOnThisMachine(hostname)) return lookup.call(this, hostname, ...rest);
    const cb = rest.find((a) => typeof a === 'function');
    const err = refuseName('lookup', hostname);
    if (cb) process.nextTick(() => cb(err));
    return {};
  };
  const plookup = dns.promises.lookup;
  dns.promises.lookup = function guardedLookup(hostname, ...rest) {
    if (isOnThisMachine(hostname)) return plookup.call(this, hostname, ...rest);
    return Promise.reject(refuseName('lookup', hostname));
  };

  // Every resolve* asks a name server over the network, whatever the name.
  for (const name of Object.keys(dns).filter((k) => k.startsWith('resolve') && typeof dns[k] === 'function')) {
    dns[name] = function guardedResolve(hostname, ...rest) {
      const cb = rest.find((a) => typeof a === 'function');
      const err = refuseName(name, hostname);
      if (cb) process.nextTick(() => cb(err));
      return {};
    };
  }
  for (const name of Object.keys(dns.promises).filter((k) => k.startsWith('resolve') && typeof dns.promises[k] === 'function')) {
    dns.promises[name] = function guardedResolve(hostname) {
      return Promise.reject(refuseName(name, hostname));
    };
  }
  return true;
}
