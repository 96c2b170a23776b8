import { describe, expect, it } from 'vitest';
import { COMMAND_TABLE } from '../../../core/chat/command-table.js';
import { commandMenu, parseCommand } from '../../../bots/telegram/telegram-render.js';

describe('Telegram rendering', () => {
  it('parses commands with or without the bot name, and names the addressee', () => {
    expect(parseCommand('/stats https://x.example/g/abc')).toEqual({
      command: 'stats',
      args: ['https://x.example/g/abc'],
      addressee: undefined,
    });
    expect(parseCommand('/Title@MaiImg_Bot  My   trip ')).toEqual({
      command: 'title',
      args: ['My', 'trip'],
      addressee: 'MaiImg_Bot',
    });
    expect(parseCommand('hello there')).toBeNull();
  });

  it('offers every command of the core table in its menu, in both languages', () => {
    for (const locale of ['en', 'zh-CN'] as const) {
      const menu = commandMenu(locale);
      expect(menu.map((c) => c.command)).toEqual(COMMAND_TABLE.map((c) => c.name));
      for (const entry of menu) expect(entry.description.length).toBeGreaterThan(0);
    }
    expect(commandMenu('en').find((c) => c.command === 'alerts')?.description).toMatch(/^<link> <on\|off>: /);
  });
});
