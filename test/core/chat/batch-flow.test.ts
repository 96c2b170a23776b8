import { describe, expect, it } from 'vitest';
import { ChatBatchFlow, type BatchAnswerPort, type QrImage } from '../../../core/chat/batch-flow.js';
import { ChatCommands, type ChatReply } from '../../../core/chat/chat-commands.js';
import { MaiimgError } from '../../../core/errors.js';
import type { GalleryService } from '../../../core/gallery-service.js';
import type { Logger } from '../../../core/ports.js';
import type { BatchOutcome, Gallery } from '../../../core/types.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

const gallery = {
  slug: 'AAAAAAAAAAAAAAAAAAAAAA',
  title: null,
  images: [],
  settings: { state: 'active' },
} as unknown as Gallery;
const outcome: BatchOutcome = {
  gallery,
  url: 'https://g.example/g/AAAAAAAAAAAAAAAAAAAAAA',
  accepted: [{}, {}] as BatchOutcome['accepted'],
  rejected: [],
} as unknown as BatchOutcome;

type FakeService = Pick<GalleryService, 'createGallery' | 'qrCode'>;

function flow(service: Partial<FakeService>, logger: Logger = silent) {
  const full: FakeService = {
    createGallery: async () => outcome,
    qrCode: async () => ({ png: Buffer.from('png'), svg: '', terminal: '' }),
    ...service,
  };
  const commands = new ChatCommands(full as GalleryService, { stats: async () => ({}) as never }, silent);
  return new ChatBatchFlow({ service: full, commands, logger, defaultLocale: 'zh-CN' });
}

/** A port that records what it was asked to show; `gate` holds the first progress step. */
function recordingPort(gate?: Promise<void>) {
  const shown: string[] = [];
  const answers: Array<{ reply: ChatReply; qr: QrImage | null }> = [];
  let calls = 0;
  const port: BatchAnswerPort = {
    async showProgress(text) {
      calls += 1;
      if (calls === 1 && gate) await gate;
      shown.push(text);
    },
    async answer(reply, qr) {
      answers.push({ reply, qr });
    },
  };
  return { port, shown, answers };
}

describe('the batch → progress → reply flow', () => {
  it('never lets a progress step land after the answer', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { port, shown, answers } = recordingPort(gate);
    const batches = flow({});
    const progress = batches.progress(port, 'en', { isDirect: true });
    progress.received(1);
    progress.received(2); // superseded while the first step is in flight
    const done = batches.run(progress, { owner: { platform: 'telegram', userId: '1' }, locale: 'en', files: [] });
    release();
    await done;
    expect(shown).toEqual(['Received 1 file…']);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.reply.text).toContain('https://g.example/g/AAAAAAAAAAAAAAAAAAAAAA');
    expect(answers[0]!.qr?.name).toBe('qr.png');
  });

  it('never counts received files down when counts come back out of order', async () => {
    const { port, shown } = recordingPort();
    const progress = flow({}).progress(port, 'en', { isDirect: true });
    progress.received(3);
    progress.received(2);
    await progress.finish();
    expect(shown).toEqual(['Received 3 files…']);
  });

  it('sends the link alone when the QR code cannot be drawn', async () => {
    const { port, answers } = recordingPort();
    const batches = flow({ qrCode: () => Promise.reject(new Error('canvas broke')) });
    await batches.run(batches.progress(port, 'en', { isDirect: true }), {
      owner: { platform: 'slack', userId: 'U1' },
      locale: 'en',
      files: [],
    });
    expect(answers).toEqual([{ reply: expect.objectContaining({ slug: gallery.slug }), qr: null }]);
  });

  it('answers a failed batch with the error in the person’s language, and adds the platform’s note', async () => {
    const { port, answers } = recordingPort();
    const batches = flow({
      createGallery: () => Promise.reject(new MaiimgError('TOO_MANY_FILES', { count: 80, limit: 50 })),
    });
    await batches.run(batches.progress(port, 'zh-CN', { isDirect: false }), {
      owner: { platform: 'discord', userId: '1' },
      locale: 'zh-CN',
      files: [],
      note: () => 'NOTE',
    });
    expect(answers[0]!.reply.isError).toBe(true);
    expect(answers[0]!.reply.text).toMatch(/50/);
    expect(answers[0]!.reply.text.endsWith('\n\nNOTE')).toBe(true);
    expect(answers[0]!.qr).toBeNull();
  });

  it('tells the sender to send again while stopping, and when the shared state is down', async () => {
    const said: ChatReply[] = [];
    const batches = flow({});
    const say = async (reply: ChatReply) => void said.push(reply);
    expect(await batches.collect(() => -1, 'en', say)).toBeNull();
    expect(await batches.collect(() => Promise.reject(new MaiimgError('DATABASE_UNAVAILABLE')), 'en', say)).toBeNull();
    expect(await batches.collect(() => 4, 'en', say)).toBe(4);
    expect(said.map((r) => r.isError)).toEqual([true, true]);
    expect(said[0]!.text).toMatch(/restarting/);
  });

  it('falls back to DEFAULT_LOCALE for a language it does not speak', () => {
    const batches = flow({});
    expect(batches.locale('fr')).toBe('zh-CN');
    expect(batches.locale(undefined)).toBe('zh-CN');
    expect(batches.locale('en-GB')).toBe('en');
  });

  it('keeps a password gallery’s answer to its sender in shared chats only', () => {
    const batches = flow({});
    expect(batches.answerIsPrivate({ password: 'x' }, { isDirect: false })).toBe(true);
    expect(batches.answerIsPrivate({ password: 'x' }, { isDirect: true })).toBe(false);
    expect(batches.answerIsPrivate({}, { isDirect: false })).toBe(false);
  });

  it('logs an answer the platform refused instead of throwing', async () => {
    const errors: unknown[] = [];
    const logger: Logger = { ...silent, error: (obj) => errors.push(obj) };
    const batches = flow({}, logger);
    const port: BatchAnswerPort = { answer: () => Promise.reject(new Error('Unknown Message')) };
    await batches.run(batches.progress(port, 'en', { isDirect: true }), {
      owner: { platform: 'discord', userId: '1' },
      locale: 'en',
      files: [],
    });
    expect(errors).toHaveLength(1);
  });
});
