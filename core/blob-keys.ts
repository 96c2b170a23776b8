/** Storage keys are built here only, from content hashes and fixed suffixes, never from user input. */
export function originalKey(hash: string): string {
  return `originals/${hash}`;
}

export function displayKey(hash: string, longEdge: number): string {
  return `display/${hash}-${longEdge}.webp`;
}
