/** Storage keys are built here only, from content hashes and fixed suffixes, never from user input. */
export function originalKey(hash: string): string {
  return `originals/${hash}`;
}

export function displayKey(hash: string, longEdge: number): string {
  return `display/${hash}-${longEdge}.webp`;
}

/** The content hash a key was built from (`originals/<hash>`, `display/<hash>-<edge>.webp`), or null. */
export function hashOfKey(key: string): string | null {
  const match = /^(?:originals\/([0-9a-f]{64})|display\/([0-9a-f]{64})-\d+\.webp)$/.exec(key);
  return match ? (match[1] ?? match[2]!) : null;
}
