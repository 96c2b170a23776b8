import { findCommand } from '../../../core/chat/command-table.js';
import { t } from '../../../core/messages.js';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SLACK_EVENTS_PATH } from '../../../bots/slack/index.js';

/**
 * bots/slack/manifest.yml is what an admin pastes into "Create New App -> From an app manifest":
 * it must ask for every scope and event the app uses and declare its commands at our endpoint.
 * Read as plain lines (no YAML library is a dependency); the file is kept in this simple shape.
 */
async function manifest() {
  const text = await readFile(new URL('../../../bots/slack/manifest.yml', import.meta.url), 'utf8');
  const lines = text.split('\n').map((line) => line.replace(/\s+#.*$/, '').trimEnd());
  /** The `- item` entries of the block under `key:` (until the indentation falls back). */
  const listUnder = (key: string): string[] => {
    const start = lines.findIndex((line) => line.trim() === `${key}:`);
    if (start === -1) return [];
    const indent = lines[start]!.search(/\S/);
    const items: string[] = [];
    for (const line of lines.slice(start + 1)) {
      if (!line.trim()) continue;
      if (line.search(/\S/) <= indent) break;
      const item = /^\s*-\s+(?:command:\s*)?(\S+)$/.exec(line);
      if (item) items.push(item[1]!);
    }
    return items;
  };
  return { text, lines, listUnder };
}

describe('Slack app manifest', () => {
  it('asks for the scopes the app uses', async () => {
    const { listUnder } = await manifest();
    expect(listUnder('bot')).toEqual(
      expect.arrayContaining([
        'app_mentions:read',
        'channels:history',
        'groups:history',
        'im:history',
        'mpim:history',
        'chat:write',
        'channels:read',
        'groups:read',
        'commands',
        'files:read',
        'files:write',
        'im:write',
        'users:read',
      ]),
    );
  });

  it('subscribes to the events that carry file shares', async () => {
    const { listUnder } = await manifest();
    expect(listUnder('bot_events')).toEqual(
      expect.arrayContaining(['app_mention', 'message.channels', 'message.groups', 'message.im', 'message.mpim']),
    );
  });

  it('declares /gallery and /dashboard, and sends commands, events and button presses to /slack/events', async () => {
    const { text, listUnder } = await manifest();
    expect(listUnder('slash_commands')).toEqual(['/gallery', '/dashboard']);
    const urls = [...text.matchAll(/(?:url|request_url):\s*(\S+)/g)].map((m) => new URL(m[1]!).pathname);
    expect(urls).toHaveLength(4);
    expect(new Set(urls)).toEqual(new Set([SLACK_EVENTS_PATH]));
    expect(text).toMatch(/interactivity:\s*\n\s*is_enabled: true/);
    // The usage hint names sub-commands of the core's command table only, with their arguments as
    // the table spells them.
    const hint = /usage_hint:\s*(['"])(.+)\1/.exec(text)?.[2] ?? '';
    const named = hint.split(' | ').map((part) => part.trim().split(/\s+/)[0]!);
    expect(named.length).toBeGreaterThan(3);
    for (const name of named) expect(findCommand(name), name).toBeDefined();
    for (const sub of ['list', 'stats', 'share', 'disable', 'enable', 'delete', 'help']) expect(named).toContain(sub);
    expect(hint).toContain(`stats <${t('en', 'command.arg.link')}>`);
  });
});
