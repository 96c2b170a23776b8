import { describe, expect, it } from 'vitest';
import { parseCommand, splitText } from '../../../bots/telegram/telegram-render.js';

describe('Telegram rendering', () => {
  it('keeps a short reply whole', () => {
    expect(splitText('Your gallery is ready\n3 image(s)', 1024)).toEqual(['Your gallery is ready\n3 image(s)']);
  });

  it('cuts a long rejection list at line breaks, the first piece fitting a caption', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `• file-${i}.pdf is not a PNG, JPEG, GIF or WebP image`);
    const pieces = splitText(['Your gallery is ready', ...lines].join('\n'), 1024, 4096);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces[0]!.length).toBeLessThanOrEqual(1024);
    expect(pieces[0]!.startsWith('Your gallery is ready')).toBe(true);
    // Nothing is lost and no line is broken in two.
    expect(pieces.join('\n')).toBe(['Your gallery is ready', ...lines].join('\n'));
  });

  it('cuts a single line longer than the limit', () => {
    const pieces = splitText('x'.repeat(2500), 1024, 1000);
    expect(pieces.map((p) => p.length)).toEqual([1024, 1000, 476]);
  });

  it('parses commands, with or without the bot name, and ignores those for other bots', () => {
    expect(parseCommand('/stats https://x.example/g/abc', 'maiimg_bot')).toEqual({
      command: 'stats',
      args: ['https://x.example/g/abc'],
    });
    expect(parseCommand('/Title@MaiImg_Bot  My   trip ', 'maiimg_bot')).toEqual({
      command: 'title',
      args: ['My', 'trip'],
    });
    expect(parseCommand('/list@other_bot', 'maiimg_bot')).toBeNull();
    expect(parseCommand('hello there', 'maiimg_bot')).toBeNull();
  });
});
