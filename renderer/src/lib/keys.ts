/** Keyboard navigation: digits 1-9, or "g" then a page letter (vim-style), outside text fields. */
export const PAGES = [
  { id: 'market', label: 'Market', key: '1', letter: 'm' },
  { id: 'portfolio', label: 'Portfolio', key: '2', letter: 'p' },
  { id: 'broker', label: 'Broker', key: '3', letter: 'b' },
  { id: 'agents', label: 'Agents', key: '4', letter: 'a' },
  { id: 'backtest', label: 'Backtest', key: '5', letter: 't' },
  { id: 'data', label: 'Data', key: '6', letter: 'd' },
  { id: 'ledger', label: 'Ledger', key: '7', letter: 'l' },
  { id: 'settings', label: 'Settings', key: '8', letter: 's' },
  { id: 'research', label: 'Research', key: '9', letter: 'r' },
] as const;
export type PageId = (typeof PAGES)[number]['id'];

export interface KeyState {
  pendingG: boolean;
}

/** Returns the page to open for a key press (and updates the g-prefix state), or null. */
export function pageForKey(key: string, state: KeyState, inField: boolean, modifier: boolean): PageId | null {
  if (inField || modifier) {
    state.pendingG = false;
    return null;
  }
  if (state.pendingG) {
    state.pendingG = false;
    return PAGES.find((p) => p.letter === key.toLowerCase())?.id ?? null;
  }
  if (key === 'g') {
    state.pendingG = true;
    return null;
  }
  return PAGES.find((p) => p.key === key)?.id ?? null;
}
