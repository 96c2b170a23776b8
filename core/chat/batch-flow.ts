import type { GalleryService } from '../gallery-service.js';
import { t } from '../messages.js';
import type { Logger } from '../ports.js';
import type { BatchOutcome, GalleryOptions, IncomingFile, Locale, Owner } from '../types.js';
import { chatLocale } from './chat-locale.js';
import type { ChatCommands, ChatReply } from './chat-commands.js';
import { ProgressThrottle } from './progress-throttle.js';

/**
 * The batch → progress → reply flow, the same on every platform: files are collected (the
 * stopping case and an unreachable shared state are answered at once), progress is shown on one
 * message through the throttle, the core makes the gallery, and the answer (link, count, rejected
 * files, QR code) goes out once the last progress edit has landed. An adapter only says how its
 * platform posts, edits and sends a file, through a `BatchAnswerPort`.
 */

/** A QR code picture for the answer. */
export interface QrImage {
  png: Buffer;
  name: string;
}

/** How one platform shows a batch's progress and answers it. */
export interface BatchAnswerPort {
  /**
   * Shows one progress step now: posts the progress message the first time, edits it afterwards.
   * Throws when the platform refuses (a 429), so the next step waits as long as it asked. Left out
   * on a platform that shows no progress.
   */
  showProgress?(text: string): Promise<unknown>;
  /**
   * Delivers the answer: the reply's text and buttons and, when a gallery was made, its QR code
   * (null when there is none, or it could not be drawn: the link then goes alone). Never throws;
   * the adapter logs what it could not deliver and falls back as its platform allows.
   */
  answer(reply: ChatReply, qr: QrImage | null): Promise<void>;
}

export interface BatchRun {
  owner: Owner;
  locale: Locale;
  files: IncomingFile[];
  options?: GalleryOptions;
  /** Escapes file names for the platform's markup (Discord markdown). */
  escape?: (text: string) => string;
  /** Retells rejections the platform's own way (Telegram's cloud download limit). */
  explain?: (outcome: BatchOutcome) => BatchOutcome;
  /** A paragraph to add to the answer, asked once the files were read (Slack's sign-in pages). */
  note?: () => string | null;
}

export interface ChatBatchFlowDeps {
  service: Pick<GalleryService, 'createGallery' | 'qrCode'>;
  commands: Pick<ChatCommands, 'batchReply' | 'batchFailure' | 'progressText'>;
  logger: Logger;
  /** DEFAULT_LOCALE: the language of anyone whose own the platform does not tell or we do not speak. */
  defaultLocale: Locale;
}

/** Progress edits of one message: Telegram allows about one a second in a chat, 20 a minute in a group. */
export const PROGRESS_INTERVAL_MS = { direct: 1000, shared: 3000 } as const;

/**
 * One batch's progress message. Counts of received files may come back out of order (album items
 * are added concurrently): a count never goes down. `finish` drops what is pending and waits for
 * the edit in flight, so no progress lands after the answer.
 */
export class BatchProgress {
  private shownReceived = 0;
  private readonly throttle: ProgressThrottle<string> | null;

  constructor(
    readonly port: BatchAnswerPort,
    private readonly locale: Locale,
    private readonly commands: ChatBatchFlowDeps['commands'],
    options: { minIntervalMs: number; logger: Logger },
  ) {
    const show = port.showProgress?.bind(port);
    this.throttle = show
      ? new ProgressThrottle(show, {
          minIntervalMs: options.minIntervalMs,
          onError: (error) => options.logger.info({ err: error }, 'chat: a progress step was skipped'),
        })
      : null;
  }

  /** `count` files are in the batch so far. */
  received(count: number): void {
    if (count <= this.shownReceived) return;
    this.shownReceived = count;
    this.throttle?.update(this.commands.progressText(this.locale, { received: count }));
  }

  processing(progress: { done: number; total: number }): void {
    this.throttle?.update(this.commands.progressText(this.locale, progress));
  }

  async finish(): Promise<void> {
    await this.throttle?.finish();
  }
}

export class ChatBatchFlow {
  constructor(private readonly deps: ChatBatchFlowDeps) {}

  /** The locale of a reply: the person's language when known and spoken, else DEFAULT_LOCALE. */
  locale(language: string | null | undefined): Locale {
    return chatLocale(language, this.deps.defaultLocale);
  }

  get defaultLocale(): Locale {
    return this.deps.defaultLocale;
  }

  /** A progress message for a new batch; in shared chats it is edited less often. */
  progress(port: BatchAnswerPort, locale: Locale, chat: { isDirect: boolean }): BatchProgress {
    return new BatchProgress(port, locale, this.deps.commands, {
      minIntervalMs: chat.isDirect ? PROGRESS_INTERVAL_MS.direct : PROGRESS_INTERVAL_MS.shared,
      logger: this.deps.logger,
    });
  }

  /**
   * Adds files to a batch through the adapter's collector. Returns the batch's file count, or null
   * when the files were not taken: the bot is stopping, or the shared state cannot be reached;
   * the person is told so through `say` rather than losing the files silently.
   */
  async collect(
    add: () => number | Promise<number>,
    locale: Locale,
    say: (reply: ChatReply) => Promise<unknown>,
  ): Promise<number | null> {
    let count: number;
    try {
      count = await add();
    } catch (error) {
      await say(this.deps.commands.batchFailure(error, locale));
      return null;
    }
    if (count < 0) {
      this.deps.logger.info('chat: files arrived while stopping; the sender is asked to send them again');
      await say({ text: t(locale, 'chat.stopping'), isError: true });
      return null;
    }
    return count;
  }

  /**
   * Whether a batch's answer is for the sender alone: a gallery with a password, made in a shared
   * chat, must not be announced to everyone there (and its alerts then go privately too).
   */
  answerIsPrivate(options: GalleryOptions, chat: { isDirect: boolean }): boolean {
    return Boolean(options.password) && !chat.isDirect;
  }

  /** Runs a closed batch through the core and answers it; never throws. */
  async run(progress: BatchProgress, input: BatchRun): Promise<void> {
    const { service, commands, logger } = this.deps;
    const { owner, files, locale } = input;
    progress.processing({ done: 0, total: files.length });
    let reply: ChatReply;
    let qr: QrImage | null = null;
    try {
      let outcome = await service.createGallery({
        owner,
        files,
        options: input.options,
        locale,
        onProgress: (step) => progress.processing(step),
      });
      if (input.explain) outcome = input.explain(outcome);
      reply = commands.batchReply(outcome, locale, input.escape);
      if (outcome.gallery) qr = await this.qrCode(outcome.gallery.slug);
    } catch (error) {
      reply = commands.batchFailure(error, locale);
    }
    const note = input.note?.();
    if (note) reply = { ...reply, text: `${reply.text}\n\n${note}` };
    await progress.finish();
    try {
      await progress.port.answer(reply, qr);
    } catch (error) {
      logger.error({ err: error, slug: reply.slug }, 'chat: could not deliver the answer to a batch');
    }
  }

  /** The gallery exists whatever happens here: a QR code that cannot be drawn leaves the link to go alone. */
  private async qrCode(slug: string): Promise<QrImage | null> {
    try {
      const qr = await this.deps.service.qrCode(slug);
      return { png: qr.png, name: 'qr.png' };
    } catch (error) {
      this.deps.logger.error({ err: error, slug }, 'chat: could not draw the QR code; sending the link alone');
      return null;
    }
  }
}
