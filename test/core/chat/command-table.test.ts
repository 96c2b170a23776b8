import { describe, expect, it } from 'vitest';
import { galleryCommandDefinition } from '../../../bots/discord/slash-commands.js';
import { COMMAND_TABLE, commandsFor, commandUsage, helpText } from '../../../core/chat/command-table.js';
import { ChatCommands } from '../../../core/chat/chat-commands.js';
import { t } from '../../../core/messages.js';
import type { Platform } from '../../../core/types.js';

const platforms: Array<{ platform: Platform; slashCommand?: string }> = [
  { platform: 'telegram' },
  { platform: 'discord' },
  { platform: 'slack', slashCommand: '/photos' },
];

describe('the one command table', () => {
  it('is what Discord registers as sub-commands (help and /dashboard aside)', () => {
    const subcommands = (galleryCommandDefinition().options ?? []).map((o) => o.name);
    const expected = commandsFor('discord')
      .map((c) => c.name)
      .filter((name) => !['help', 'dashboard'].includes(name));
    expect(subcommands).toEqual(['upload', ...expected]);
  });

  it('gives every platform a help listing every command in its own syntax, in both languages', () => {
    for (const syntax of platforms) {
      for (const locale of ['en', 'zh-CN'] as const) {
        const help = helpText(locale, syntax);
        for (const spec of commandsFor(syntax.platform)) {
          if (spec.name === 'start' || spec.name === 'help') continue;
          expect(help, `${syntax.platform} ${locale} ${spec.name}`).toContain(commandUsage(spec.name, syntax, locale));
        }
        // Environment variable names and OAuth scopes are for operators, not for people in a chat.
        expect(help).not.toMatch(/[A-Z]{3,}_[A-Z_]+|files:read/);
      }
    }
    expect(helpText('en', { platform: 'discord' })).toContain('/gallery stats <link>');
    expect(helpText('en', { platform: 'slack', slashCommand: '/photos' })).toContain('/photos alerts <link> <on|off>');
    expect(helpText('en', { platform: 'telegram' })).toContain('/stats <link>');
  });

  it('asks "which gallery?" in the platform syntax, offering a reply only where that works', async () => {
    const commands = new ChatCommands({} as never, {} as never, {
      debug() {},
      info() {},
      warn() {},
      error() {},
      child() {
        return this;
      },
    });
    const ask = (platform: Platform) =>
      commands.run({ owner: { platform, userId: 'u1' }, locale: 'en', command: 'stats', args: [] });
    const discord = (await ask('discord')).text;
    expect(discord).toContain('/gallery stats <link>');
    expect(discord).not.toContain(t('en', 'command.needsLink.reply'));
    expect((await ask('telegram')).text).toContain(t('en', 'command.needsLink.reply'));
  });

  it('names each command once', () => {
    const names = COMMAND_TABLE.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
