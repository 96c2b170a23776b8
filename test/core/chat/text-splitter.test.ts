import { describe, expect, it } from 'vitest';
import { splitText } from '../../../core/chat/text-splitter.js';

describe('splitText', () => {
  it('keeps a short reply whole', () => {
    expect(splitText('Your gallery is ready\n3 images', 1024)).toEqual(['Your gallery is ready\n3 images']);
  });

  it('cuts a long rejection list at line breaks, the first piece fitting a caption', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `• file-${i}.pdf is not a PNG, JPEG, GIF or WebP image`);
    const pieces = splitText(['Your gallery is ready', ...lines].join('\n'), 4096, 1024);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces[0]!.length).toBeLessThanOrEqual(1024);
    expect(pieces[0]!.startsWith('Your gallery is ready')).toBe(true);
    // Nothing is lost and no line is broken in two.
    expect(pieces.join('\n')).toBe(['Your gallery is ready', ...lines].join('\n'));
  });

  it("fits Discord's 2,000 characters when given that limit", () => {
    const text = Array.from(
      { length: 100 },
      (_, i) => `gallery ${i} · 3 images · active · https://x.example/g/${i}`,
    ).join('\n');
    const pieces = splitText(text, 2000);
    expect(pieces.every((p) => p.length <= 2000)).toBe(true);
    expect(pieces.join('\n')).toBe(text);
  });

  it('cuts a single line longer than the limit', () => {
    const pieces = splitText('x'.repeat(2500), 1000, 1024);
    expect(pieces.map((p) => p.length)).toEqual([1024, 1000, 476]);
  });
});
