/**
 * Non-secret settings the user changes in the app (which model and server each agent uses). A
 * small JSON file in the data dir; the environment still wins over it at start.
 */
import fs from 'node:fs';
import path from 'node:path';

/** 'true': MCP clients and the broker agent may request live orders (each still approved in the app). */
export const MCP_LIVE_ORDERS_SETTING = 'MCP_LIVE_ORDERS';

export interface SettingsStore {
  all(): Record<string, string>;
  set(name: string, value: string): void;
  delete(name: string): void;
  readonly file: string;
}

export function createSettingsStore(dataDir: string): SettingsStore {
  const file = path.join(dataDir, 'settings.json');
  const read = (): Record<string, string> => {
    try {
      const v = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
      if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
      return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
    } catch {
      return {};
    }
  };
  const write = (v: Record<string, string>) => {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(v, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, file);
  };
  return {
    file,
    all: read,
    set(name, value) {
      write({ ...read(), [name]: value });
    },
    delete(name) {
      const v = read();
      delete v[name];
      write(v);
    },
  };
}
