import { describe, expect, it } from 'vitest';
import { ReplyEditor } from '../../../bots/discord/reply-editor.js';
import type { Logger } from '../../../core/ports.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

describe('ReplyEditor', () => {
  it('never lets a progress edit land after the final answer', async () => {
    const shown: string[] = [];
    let release!: () => void;
    const slowFirstEdit = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const editor = new ReplyEditor<string>(
      async (text) => {
        calls += 1;
        if (calls === 1) await slowFirstEdit;
        shown.push(text);
      },
      silent,
      0,
    );

    editor.progress('1/3');
    editor.progress('2/3'); // dropped: an edit is in flight
    const done = editor.final('done');
    editor.progress('3/3'); // dropped: the answer is final
    release();
    await done;
    expect(shown).toEqual(['1/3', 'done']);
  });

  it('logs a failed edit instead of throwing', async () => {
    const warnings: unknown[] = [];
    const logger: Logger = { ...silent, warn: (obj) => warnings.push(obj) };
    const editor = new ReplyEditor<string>(async () => {
      throw new Error('Unknown Message');
    }, logger);
    await editor.final('done');
    expect(warnings).toHaveLength(1);
  });
});
