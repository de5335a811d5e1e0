/**
 * The reader's API key, for this tab only: sessionStorage goes when the tab closes and is never
 * sent anywhere by the browser itself; the page sends it only to this service's API.
 */
const SLOT = 'exchange-ledger.api-key';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(SLOT);
  } catch {
    return null; // storage refused (privacy settings): the key lasts until the page is left
  }
}

export function storeKey(key: string | null): void {
  try {
    if (key === null) sessionStorage.removeItem(SLOT);
    else sessionStorage.setItem(SLOT, key);
  } catch {
    // as above
  }
}
