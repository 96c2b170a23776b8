/**
 * Cuts a reply into pieces a platform accepts (Telegram 4,096 characters, or 1,024 for a caption;
 * Discord 2,000; Slack 3,000 per block), at line breaks where possible. The first piece may have a
 * limit of its own (a photo caption). A single line longer than the limit is cut hard.
 */
export function splitText(text: string, limit: number, firstLimit = limit): string[] {
  const pieces: string[] = [];
  let current = '';
  const max = () => (pieces.length === 0 ? firstLimit : limit);
  const push = () => {
    pieces.push(current.replace(/\n+$/, ''));
    current = '';
  };
  for (const line of text.split('\n')) {
    let rest = line;
    for (;;) {
      const candidate = current ? `${current}\n${rest}` : rest;
      if (candidate.length <= max()) {
        current = candidate;
        break;
      }
      if (current) {
        push();
        continue;
      }
      const cut = max();
      pieces.push(rest.slice(0, cut));
      rest = rest.slice(cut);
      if (!rest) break;
    }
  }
  if (current || pieces.length === 0) push();
  return pieces;
}
