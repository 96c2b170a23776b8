import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { Config } from '../core/config.js';
import type { Core } from '../core/core-app.js';
import { MaiimgError, errorChain, isMaiimgError, type ErrorCode } from '../core/errors.js';
import { parseExpiry, parseMaxOpens } from '../core/link-options.js';
import { linkName } from '../core/links/link-names.js';
import type { LinkSummary } from '../core/links/links-api.js';
import { statusText } from '../core/chat/chat-commands.js';
import { errorMessage, t, type MessageKey } from '../core/messages.js';
import type { Gallery, GalleryOptions, IncomingFile, Locale, Owner, SettingsPatch } from '../core/types.js';

// Only what every command needs is imported above. The rest is imported by the command that uses it
// (the configuration's zod schemas once a command runs, the core with sharp, Prisma and the S3 client
// for commands that touch galleries, the bots' SDKs for `serve` only), so `maiimg --help` starts in
// about the time of bare Node, and `list` never loads a bot SDK.

/** Exit codes: 0 done, 1 error, 2 the batch was refused or nothing in it was valid. */
const EXIT_REFUSED = 2;
/** Refusals of a whole batch (exit 2); every other error exits 1. */
const REFUSED_CODES: ReadonlySet<ErrorCode> = new Set(['TOO_MANY_FILES', 'EMPTY_BATCH', 'NO_VALID_FILES']);

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** The terminal adapter: the whole core, no bot token needed. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env, io: Io = process): Promise<number> {
  // `--json` anywhere before a lone `--` asks for JSON, errors included (known before parsing, so a
  // refused command line answers in JSON too).
  const jsonMode = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length).includes('--json');
  // Set by the hook that runs before every command's action (help never loads the configuration).
  let config!: Config;
  let locale: Locale = 'en';
  const owner: Owner = { platform: 'cli', userId: env.MAIIMG_CLI_USER || userInfo().username };
  const out = (text: string) => io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  const json = (value: unknown) => out(JSON.stringify(value, null, 2));
  /** A refusal: one `{ "error": { code, message } }` object on stdout in JSON mode, the sentence on stderr otherwise. */
  const refuse = (code: string, message: string, extra: Record<string, unknown> = {}) => {
    if (jsonMode) json({ error: { code, message }, ...extra });
    else io.stderr.write(`${message}\n`);
  };
  let exitCode = 0;
  let core: Core | undefined;
  const withCore = async <T>(work: (core: Core) => Promise<T>): Promise<T> => {
    if (!core) {
      const [{ openCore }, { createLogger }, { default: pino }] = await Promise.all([
        import('../core/core-app.js'),
        import('../core/logger.js'),
        import('pino'),
      ]);
      const logLevel = env.LOG_LEVEL ? config.logLevel : 'warn';
      // Logs go to stderr: stdout carries the command's answer (JSON in `--json` mode) alone.
      const logger = createLogger(logLevel, pino.destination({ fd: 2, sync: true }));
      // A command lives a second: no metrics to scrape, no alert checks or retention job to run.
      core = await openCore(config, { logLevel, logger, metrics: false, analyticsJobs: false });
    }
    return work(core);
  };

  const program = new Command('maiimg')
    .description('Turn photos into a shareable gallery link and QR code, and see who opened it.')
    .exitOverride()
    // In JSON mode commander's own error text is not printed: the refusal below carries it.
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => (jsonMode ? undefined : io.stderr.write(s)),
    })
    .showHelpAfterError(!jsonMode)
    .hook('preAction', async () => {
      const { loadConfig } = await import('../core/config.js');
      config = loadConfig(env);
      locale = config.defaultLocale;
    });

  program
    .command('upload')
    .description('make a gallery from image files (PNG, JPEG, GIF, WebP)')
    .argument('<files...>', 'image files')
    .option('--title <title>', 'gallery title')
    .option('--expires <when>', 'expiry: 7d, 12h, or a date such as 2026-12-31T00:00Z')
    .option('--max-views <n>', 'maximum number of opens', parsePositive)
    .option('--password <password>', 'password visitors must enter')
    .option('--no-download', 'do not let visitors download the originals')
    .option('--json', 'print one JSON object instead of text')
    .action(async (files: string[], opts) => {
      await withCore(async (core) => {
        const options: GalleryOptions = {
          title: opts.title,
          expiresAt: opts.expires ? parseExpiry(opts.expires, new Date()) : null,
          maxOpens: opts.maxViews ?? null,
          password: opts.password ?? null,
          downloadsAllowed: opts.download !== false,
        };
        const incoming = await Promise.all(files.map(fileFromPath));
        const cliProgress = !opts.json && io.stderr.isTTY ? (await import('cli-progress')).default : null;
        const bar = cliProgress
          ? new cliProgress.SingleBar(
              { stream: io.stderr, format: '{bar} {value}/{total} {file}', hideCursor: true, clearOnComplete: true },
              cliProgress.Presets.shades_classic,
            )
          : null;
        bar?.start(incoming.length, 0, { file: '' });
        let outcome;
        try {
          outcome = await core.service.createGallery({
            owner,
            files: incoming,
            options,
            locale,
            onProgress: (p: { done: number; file: string }) => bar?.update(p.done, { file: p.file }),
          });
        } finally {
          bar?.stop();
        }
        const qr = outcome.gallery ? await core.service.qrCode(outcome.gallery.slug) : null;
        if (opts.json && !outcome.gallery) {
          // One kind of rejection (every path unreadable, say) is named; a mix is NO_VALID_FILES.
          const codes = new Set(outcome.rejected.map((r) => r.code));
          const [only] = codes;
          const code = codes.size === 1 && only ? only : 'NO_VALID_FILES';
          const message =
            codes.size === 1 && outcome.rejected.length === 1
              ? t(locale, 'gallery.rejectedLine', {
                  file: outcome.rejected[0]!.file,
                  reason: outcome.rejected[0]!.message,
                })
              : t(locale, 'NO_VALID_FILES');
          refuse(code, message, { gallery: null, accepted: outcome.accepted, rejected: outcome.rejected });
        } else if (opts.json) {
          json({
            gallery: outcome.gallery
              ? { slug: outcome.gallery.slug, url: outcome.url, qrPng: qr!.png.toString('base64') }
              : null,
            accepted: outcome.accepted,
            rejected: outcome.rejected,
          });
        } else {
          if (outcome.gallery) {
            out(qr!.terminal);
            out(t(locale, 'gallery.ready', { url: outcome.url! }));
            out(t(locale, 'gallery.count', { count: outcome.accepted.length }));
          } else {
            io.stderr.write(`${t(locale, 'NO_VALID_FILES')}\n`);
          }
          if (outcome.rejected.length) {
            out(t(locale, 'gallery.rejected'));
            for (const r of outcome.rejected)
              out(`  ${t(locale, 'gallery.rejectedLine', { file: r.file, reason: r.message })}`);
          }
        }
        if (!outcome.gallery) exitCode = EXIT_REFUSED;
      });
    });

  program
    .command('list')
    .description('list your galleries')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      await withCore(async (core) => {
        const galleries = await core.service.listGalleries(owner);
        if (opts.json) return json({ galleries });
        if (!galleries.length) return out(t(locale, 'list.empty'));
        for (const g of galleries) {
          out(
            t(locale, 'list.line', {
              title: g.title ?? t(locale, 'untitled'),
              count: g.imageCount,
              status: statusText(g.status, locale),
              opens: g.openCount,
              url: g.url,
            }),
          );
        }
      });
    });

  program
    .command('show')
    .description('show one gallery')
    .argument('<ref>', 'gallery link or slug')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts) => {
      await withCore(async (core) => {
        const gallery = await core.service.getOwnedGallery({ owner, ref });
        const view = describeGallery(core, gallery);
        if (opts.json) return json(view);
        out(`${view.title ?? t(locale, 'untitled')}\n${view.url}`);
        // Asked through a share link: say that the answer is the gallery's, reached through that link.
        if (gallery.link && !gallery.link.first)
          out(t(locale, 'links.meant.share', { name: linkName(gallery.link, locale) }));
        out(
          `status: ${statusText(view.status, locale)}, opens: ${view.openCount}${view.maxOpens ? `/${view.maxOpens}` : ''}`,
        );
        out(
          `expires: ${view.expiresAt ?? '-'}, password: ${view.passwordProtected ? 'yes' : 'no'}, downloads: ${view.downloadsAllowed ? 'on' : 'off'}`,
        );
        for (const image of view.images)
          out(`  ${image.position + 1}. ${image.name} ${image.format} ${image.width}x${image.height} ${image.bytes} B`);
      });
    });

  for (const [name, state] of [
    ['disable', 'disabled'],
    ['enable', 'active'],
  ] as const) {
    program
      .command(name)
      .description(name === 'disable' ? 'stop a link from opening (images are kept)' : 'let a disabled link open again')
      .argument('<ref>', 'gallery link or slug')
      .option('--json', 'print JSON')
      .action(async (ref: string, opts) => {
        await withCore(async (core) => {
          // A share link switches alone; the gallery's first link switches the gallery, as before links.
          const { link, scope } = await core.links.setState({ owner, ref, state });
          if (opts.json) {
            if (scope === 'link') return json({ scope, link });
            return json({ ...describeGallery(core, await core.service.getOwnedGallery({ owner, ref })), scope, link });
          }
          out(t(locale, state === 'disabled' ? 'link.disabled' : 'link.enabled'));
          if (scope === 'link') out(t(locale, 'links.scope.link'));
        });
      });
  }

  program
    .command('delete')
    .description('delete a gallery and its images')
    .argument('<ref>', 'gallery link or slug')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts) => {
      await withCore(async (core) => {
        const gallery = await core.service.getOwnedGallery({ owner, ref });
        // A share link is deleted alone (it answers 410 from then on); the first link deletes the gallery.
        const { scope } = await core.links.delete({ owner, ref });
        if (opts.json) return json({ deleted: scope === 'link' ? gallery.link!.slug : gallery.slug, scope });
        out(t(locale, scope === 'link' ? 'links.deleted.link' : 'link.deleted'));
      });
    });

  program
    .command('set')
    .description('change a gallery link’s settings')
    .argument('<ref>', 'gallery link or slug')
    .option('--expires <when>', 'expiry: 7d, 12h, or a date')
    .option('--no-expiry', 'remove the expiry')
    .option('--max-views <n>', 'maximum number of opens', parsePositive)
    .option('--no-max-views', 'remove the open limit')
    .option('--password <password>', 'set a password')
    .option('--no-password', 'remove the password')
    .option('--download', 'allow downloads')
    .option('--no-download', 'forbid downloads')
    .option('--title <title>', 'set the title')
    .option('--alerts', 'switch the first-open alert on')
    .option('--no-alerts', 'switch the first-open alert off')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts, command: Command) => {
      // commander fills negatable options with defaults; only what was typed counts as a change.
      const given = (name: string) => command.getOptionValueSource(name) === 'cli';
      const patch: SettingsPatch = {};
      if (given('expires') || given('expiry'))
        patch.expiresAt = opts.expires && opts.expiry !== false ? parseExpiry(opts.expires, new Date()) : null;
      if (given('maxViews')) patch.maxOpens = typeof opts.maxViews === 'number' ? opts.maxViews : null;
      if (given('password')) patch.password = typeof opts.password === 'string' ? opts.password : null;
      if (given('download')) patch.downloadsAllowed = opts.download !== false;
      if (given('title')) patch.title = opts.title;
      const alerts = given('alerts') ? opts.alerts !== false : undefined;
      if (!Object.keys(patch).length && alerts === undefined)
        throw new MaiimgError('INVALID_OPTION', { option: 'option.settings', reason: 'reason.noSetting' });
      await withCore(async (core) => {
        if (alerts !== undefined) await core.analytics.setAlertsEnabled({ owner, ref, enabled: alerts });
        const gallery = Object.keys(patch).length
          ? await core.service.updateSettings({ owner, ref, patch })
          : await core.service.getOwnedGallery({ owner, ref });
        if (opts.json) return json(describeGallery(core, gallery));
        out(t(locale, 'link.updated'));
      });
    });

  program
    .command('stats')
    .description('who opened a gallery')
    .argument('<ref>', 'gallery link or slug')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts) => {
      await withCore(async (core) => {
        const stats = await core.stats({ owner, ref });
        if (opts.json) return json(stats);
        out(core.renderStatsText(stats, locale));
        if (!stats.link.first) out(t(locale, 'links.meant.share', { name: linkName(stats.link, locale) }));
        if (stats.links.length > 1) for (const link of stats.links) out(`  ${linkLine(link, locale)}`);
      });
    });

  program
    .command('share')
    .description('make a new link to a gallery, counted and switched on its own')
    .argument('<ref>', 'gallery link or slug (any of its links)')
    .option('--label <label>', 'a name for the new link (where it goes)')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts) => {
      await withCore(async (core) => {
        const { link, qrPng } = await core.links.share({
          owner,
          ref,
          label: opts.label,
          platform: 'cli',
          sharedBy: owner.userId,
        });
        if (opts.json)
          return json({ link: { slug: link.slug, url: link.url, label: link.label, qrPng: qrPng.toString('base64') } });
        out(link.url);
        out((await core.service.qrCode(link.slug)).terminal);
      });
    });

  program
    .command('links')
    .description('list a gallery’s links with their state and opens')
    .argument('<ref>', 'gallery link or slug (any of its links)')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts) => {
      await withCore(async (core) => {
        const links = await core.links.list({ owner, ref });
        if (opts.json) return json({ links });
        for (const link of links) out(`${linkLine(link, locale)}\n  ${link.url}`);
      });
    });

  program
    .command('serve')
    .description('run the gallery site (and the bots whose tokens are set) — the same as npm start')
    .action(async () => {
      const { startServer } = await import('./server.js');
      await startServer(config);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return 0;
    if (code?.startsWith('commander.')) {
      // A command line commander refused (unknown option or command, a value that does not parse):
      // in text mode it has printed its sentence already.
      if (jsonMode) refuse('INVALID_OPTION', (error as Error).message.replace(/^error: /, ''));
      return 1;
    }
    if (isMaiimgError(error)) {
      refuse(error.code, operatorMessage(error, locale));
      return REFUSED_CODES.has(error.code) ? EXIT_REFUSED : 1;
    }
    if ((error as Error).name === 'ConfigError') {
      refuse('CONFIG_INVALID', (error as Error).message);
      return 1;
    }
    refuse('INTERNAL', (error as Error).message);
    return 1;
  } finally {
    await core?.close();
  }
  return exitCode;
}

/**
 * Errors whose catalogue sentence is written for a visitor or a chat user ("temporarily
 * unavailable"): the person at the terminal (a command, or `serve` failing to start) runs the
 * service and is who can fix it, so they get a sentence with the reason.
 */
const OPERATOR_MESSAGES: Partial<Record<ErrorCode, MessageKey>> = {
  DATABASE_UNAVAILABLE: 'cli.databaseUnavailable',
  STORAGE_UNAVAILABLE: 'cli.storageUnavailable',
};

function operatorMessage(error: MaiimgError, locale: Locale): string {
  const key = OPERATOR_MESSAGES[error.code];
  const reason = key ? causeText(error.cause) : null;
  return key && reason ? t(locale, key, { reason }) : errorMessage(locale, error.code, error.params);
}

/** The innermost cause's words: `connect ECONNREFUSED 127.0.0.1:5432`, say. */
function causeText(cause: unknown): string | null {
  let text: string | null = null;
  for (const layer of errorChain(cause, 5) as Iterable<{ message?: string; code?: string; errors?: unknown[] }>) {
    // Node reports a refused connection to a name with several addresses as an AggregateError
    // without a message of its own; its first error says what happened.
    if (layer.message) text = layer.message;
    else if (layer.errors?.length) text = causeText(layer.errors[0]) ?? text;
    else if (layer.code) text = layer.code;
  }
  return text;
}

/** One link in a list: name, state, opens, visitors and last open. */
function linkLine(link: LinkSummary, locale: Locale): string {
  return [
    linkName(link, locale),
    t(locale, link.deleted ? 'links.state.deleted' : `links.state.${link.state}`),
    t(locale, 'links.opens', { count: link.opens }),
    t(locale, 'links.visitors', { count: link.uniqueVisitors }),
    link.lastOpenAt
      ? t(locale, 'links.lastOpen', { time: link.lastOpenAt.toISOString().slice(0, 16).replace('T', ' ') })
      : t(locale, 'links.neverOpened'),
  ].join(' · ');
}

function parsePositive(value: string): number {
  try {
    const n = parseMaxOpens(value);
    if (n === null) throw new Error();
    return n;
  } catch {
    throw new InvalidArgumentError('must be a whole number from 1');
  }
}

/**
 * Files are streamed: the core stops reading one as soon as it passes the size limit. In 1 MiB
 * chunks: a 5 MB photo in Node's default 64 KiB reads is 80 trips through the thread pool that
 * decodes the others.
 */
export async function fileFromPath(filePath: string): Promise<IncomingFile> {
  const name = path.basename(filePath);
  try {
    const info = await stat(filePath);
    if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    return {
      name,
      declaredBytes: info.size,
      data: () => Promise.resolve(createReadStream(filePath, { highWaterMark: 1024 * 1024 })),
    };
  } catch {
    return {
      name,
      data: () => Promise.reject(new MaiimgError('FILE_UNREADABLE')),
    };
  }
}

function describeGallery(core: Core, gallery: Gallery) {
  return {
    slug: gallery.slug,
    url: core.service.urlFor(gallery.slug),
    title: gallery.title,
    createdAt: gallery.createdAt.toISOString(),
    status: core.service.linkStatus(gallery),
    state: gallery.settings.state,
    expiresAt: gallery.settings.expiresAt?.toISOString() ?? null,
    maxOpens: gallery.settings.maxOpens,
    openCount: gallery.openCount,
    passwordProtected: gallery.settings.passwordHash !== null,
    downloadsAllowed: gallery.settings.downloadsAllowed,
    /** The link the gallery was named by: its own (first) link, or one of its share links. */
    link: gallery.link
      ? {
          slug: gallery.link.slug,
          url: core.service.urlFor(gallery.link.slug),
          first: gallery.link.first,
          label: gallery.link.label,
          state: gallery.link.state,
        }
      : undefined,
    images: gallery.images.map((image) => ({
      position: image.position,
      name: image.originalName,
      format: image.format,
      width: image.width,
      height: image.height,
      bytes: image.bytes,
    })),
  };
}
