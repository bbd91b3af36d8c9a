/**
 * CDP API key authentication for Coinbase Advanced Trade: a short-lived JWT per REST request
 * (bound to "METHOD host/path") and per WebSocket subscribe message. Two key kinds exist:
 * ECDSA P-256 keys (PEM, signed ES256) and Ed25519 keys (base64 of seed + public key, signed
 * EdDSA). Built on node:crypto only.
 */
import crypto from 'node:crypto';

export type CdpAlg = 'ES256' | 'EdDSA';

export interface CdpKey {
  name: string;
  alg: CdpAlg;
  key: crypto.KeyObject;
}

export class CdpKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CdpKeyError';
  }
}

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Parse the private key as Coinbase hands it out. Environment variables often carry PEM with
 * literal "\n"; those are restored. The error never echoes the key material.
 */
export function parseCdpKey(name: string, privateKey: string): CdpKey {
  if (!name.trim()) throw new CdpKeyError('COINBASE_API_KEY_NAME is empty');
  const raw = privateKey.trim().replace(/\\n/g, '\n');
  if (raw.includes('-----BEGIN')) {
    let key: crypto.KeyObject;
    try {
      key = crypto.createPrivateKey({ key: raw, format: 'pem' });
    } catch {
      throw new CdpKeyError('COINBASE_API_PRIVATE_KEY is not a readable PEM private key');
    }
    if (key.asymmetricKeyType === 'ec') {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve !== 'prime256v1' && curve !== 'P-256') throw new CdpKeyError(`EC key must be on P-256, got ${curve ?? 'unknown'}`);
      return { name, alg: 'ES256', key };
    }
    if (key.asymmetricKeyType === 'ed25519') return { name, alg: 'EdDSA', key };
    throw new CdpKeyError(`unsupported key type ${key.asymmetricKeyType ?? 'unknown'}: use an ECDSA (P-256) or Ed25519 CDP key`);
  }
  const bytes = Buffer.from(raw, 'base64');
  if (!/^[A-Za-z0-9+/=\s]+$/.test(raw) || (bytes.length !== 64 && bytes.length !== 32)) {
    throw new CdpKeyError('COINBASE_API_PRIVATE_KEY is neither a PEM key nor a base64 Ed25519 key (32 or 64 bytes)');
  }
  try {
    const key = crypto.createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, bytes.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
    return { name, alg: 'EdDSA', key };
  } catch {
    throw new CdpKeyError('COINBASE_API_PRIVATE_KEY could not be read as an Ed25519 key');
  }
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export interface JwtOptions {
  /** "GET api.coinbase.com/api/v3/brokerage/accounts"; omitted for WebSocket tokens. */
  uri?: string;
  nowSec?: number;
  ttlSec?: number;
}

export function signCdpJwt(k: CdpKey, opts: JwtOptions = {}): string {
  const now = opts.nowSec ?? Math.floor(Date.now() / 1000);
  const header = { alg: k.alg, kid: k.name, nonce: crypto.randomBytes(16).toString('hex'), typ: 'JWT' };
  const payload: Record<string, unknown> = { sub: k.name, iss: 'cdp', nbf: now, exp: now + (opts.ttlSec ?? 120) };
  if (opts.uri) payload.uri = opts.uri;
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const sig =
    k.alg === 'ES256'
      ? crypto.sign('sha256', Buffer.from(input), { key: k.key, dsaEncoding: 'ieee-p1363' })
      : crypto.sign(null, Buffer.from(input), k.key);
  return `${input}.${b64url(sig)}`;
}

export interface VerifiedJwt {
  header: { alg: string; kid: string; nonce?: string };
  payload: { sub: string; iss: string; nbf: number; exp: number; uri?: string };
}

/** Verification as the exchange does it; used by the local test brokerage. */
export function verifyCdpJwt(token: string, publicKeys: Map<string, crypto.KeyObject>, nowSec = Math.floor(Date.now() / 1000)): VerifiedJwt {
  const parts = token.split('.');
  if (parts.length !== 3) throw new CdpKeyError('malformed JWT');
  const [h, p, s] = parts as [string, string, string];
  let header: VerifiedJwt['header'];
  let payload: VerifiedJwt['payload'];
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as VerifiedJwt['header'];
    payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as VerifiedJwt['payload'];
  } catch {
    throw new CdpKeyError('malformed JWT');
  }
  const pub = publicKeys.get(header.kid);
  if (!pub) throw new CdpKeyError('unknown key');
  if (payload.sub !== header.kid) throw new CdpKeyError('sub does not match kid');
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, 'base64url');
  let ok = false;
  if (header.alg === 'ES256' && pub.asymmetricKeyType === 'ec') ok = crypto.verify('sha256', data, { key: pub, dsaEncoding: 'ieee-p1363' }, sig);
  else if (header.alg === 'EdDSA' && pub.asymmetricKeyType === 'ed25519') ok = crypto.verify(null, data, pub, sig);
  else throw new CdpKeyError(`alg ${header.alg} does not match the key`);
  if (!ok) throw new CdpKeyError('bad signature');
  if (typeof payload.nbf !== 'number' || typeof payload.exp !== 'number') throw new CdpKeyError('missing nbf/exp');
  if (nowSec + 5 < payload.nbf) throw new CdpKeyError('token not yet valid');
  if (nowSec >= payload.exp) throw new CdpKeyError('token expired');
  if (payload.exp - payload.nbf > 300) throw new CdpKeyError('token lifetime too long');
  return { header, payload };
}

/** A fresh key pair in the formats Coinbase issues (tests, the local brokerage). */
export function generateCdpKey(alg: CdpAlg, name: string): { name: string; privateKey: string; publicKey: crypto.KeyObject } {
  if (alg === 'ES256') {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return { name, privateKey: privateKey.export({ format: 'pem', type: 'sec1' }).toString(), publicKey };
  }
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const seed = der.subarray(der.length - 32);
  const pubRaw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return { name, privateKey: Buffer.concat([seed, pubRaw]).toString('base64'), publicKey };
}
