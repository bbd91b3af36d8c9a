/**
 * Secrets at rest (API keys the user enters). In Electron they are encrypted with the OS keychain
 * through safeStorage; headless (or when no keychain is available) they live in a 0600 JSON file
 * in the data dir. The store never logs values.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface Cipher {
  available(): boolean;
  encrypt(plain: string): Buffer;
  decrypt(data: Buffer): string;
}

export interface SecretStore {
  get(name: string): string | null;
  set(name: string, value: string): void;
  delete(name: string): void;
  names(): string[];
  readonly protection: 'os-keychain' | 'file-0600';
}

type Blob = Record<string, string>;

export function createSecretStore(dataDir: string, cipher: Cipher | null): SecretStore {
  const encrypted = !!cipher && cipher.available();
  const file = path.join(dataDir, encrypted ? 'secrets.enc' : 'secrets.json');
  const read = (): Blob => {
    if (!fs.existsSync(file)) return {};
    const raw = fs.readFileSync(file);
    const text = encrypted ? cipher!.decrypt(raw) : raw.toString('utf8');
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Blob) : {};
  };
  const write = (b: Blob) => {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const text = JSON.stringify(b);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, encrypted ? cipher!.encrypt(text) : text, { mode: 0o600 });
    fs.renameSync(tmp, file);
    fs.chmodSync(file, 0o600);
  };
  return {
    protection: encrypted ? 'os-keychain' : 'file-0600',
    get: (n) => read()[n] ?? null,
    set(n, v) {
      write({ ...read(), [n]: v });
    },
    delete(n) {
      const b = read();
      delete b[n];
      write(b);
    },
    names: () => Object.keys(read()).sort(),
  };
}
