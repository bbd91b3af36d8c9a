import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSecretStore } from './secret-store';

describe('secret store', () => {
  it('headless: a 0600 file, values round-trip', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-secrets-'));
    const s = createSecretStore(dir, null);
    s.set('OPENAI_API_KEY', 'sk-test');
    expect(s.get('OPENAI_API_KEY')).toBe('sk-test');
    expect(s.protection).toBe('file-0600');
    expect(fs.statSync(path.join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    s.delete('OPENAI_API_KEY');
    expect(s.names()).toEqual([]);
  });
  it('with an OS cipher nothing readable reaches the disk', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-secrets-'));
    const cipher = { available: () => true, encrypt: (t: string) => Buffer.from(Buffer.from(t).map((b) => b ^ 0x5a)), decrypt: (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a)).toString() };
    const s = createSecretStore(dir, cipher);
    s.set('COINBASE_API_SECRET', 'very-secret');
    expect(fs.readFileSync(path.join(dir, 'secrets.enc')).toString()).not.toContain('very-secret');
    expect(createSecretStore(dir, cipher).get('COINBASE_API_SECRET')).toBe('very-secret');
  });
});
