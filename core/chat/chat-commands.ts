import { MaiimgError, isMaiimgError } from '../errors.js';
import { findReferenceInText } from '../gallery-ref.js';
import type { GalleryService } from '../gallery-service.js';
import { parseExpiry, parseMaxOpens, parseOnOff, isOff } from '../link-options.js';
import { errorMessage, t, type MessageKey } from '../messages.js';
import type { Logger } from '../ports.js';
import type { GalleryStats } from '../stats/gallery-stats.js';
import { renderStatsText } from '../stats/stats-text.js';
import type { LinksApi } from '../links/links-api.js';
import type { BatchOutcome, Gallery, LinkStatus, Locale, Owner, SettingsPatch } from '../types.js';
import {
  COMMAND_TABLE,
  commandUsage,
  findCommand,
  helpText as tableHelpText,
  replyCanNameGallery,
  type CommandSyntax,
} from './command-table.js';

/**
 * What the bots share: the management commands, the buttons and the wording of every reply.
 * A bot adapter parses its platform's event into `{ command, args }` or a button's `data`,
 * calls this, and renders the `ChatReply` with its SDK. No rule lives in a bot.
 */

/** Every command ChatCommands answers, from the one command table. */
export const MANAGE_COMMANDS = COMMAND_TABLE.map((c) => c.name);
export type ManageCommand = (typeof COMMAND_TABLE)[number]['name'];

export type ButtonAction = 'stats' | 'disable' | 'enable' | 'delete' | 'delete-yes' | 'delete-no' | 'dashboard';

export interface ChatButton {
  action: ButtonAction;
  slug: string;
  label: string;
  /** Encoded payload for the platform (callback_data / custom_id / action value); at most 64 bytes. */
  data: string;
  style: 'primary' | 'danger' | 'default';
}

export interface ChatReply {
  text: string;
  /** Buttons to show under the reply (one row). */
  buttons?: ChatButton[];
  /** The gallery the reply is about, when there is one. */
  slug?: string;
  /** True when the reply reports a failure (platforms may style it). */
  isError?: boolean;
  /** A picture to send with the text (the stats chart): as a photo / attachment / file upload. */
  image?: { png: Buffer; name: string };
  /**
   * Only the owner may see this reply (it holds a login link): a direct message on Telegram,
   * an ephemeral reply on Discord and Slack; never posted in a group for all to see.
   */
  privateReply?: boolean;
}

export interface StatsProvider {
  stats(input: { owner: Owner; ref: string }): Promise<GalleryStats>;
  /** Summary text and chart picture (core/analytics); without it the stats reply is text only. */
  statsReply?(input: {
    owner: Owner;
    ref: string;
    locale: Locale;
  }): Promise<{ text: string; image: { png: Buffer; name: string } }>;
  /** A signed, expiring dashboard login link for the owner (core/analytics). */
  dashboardLink?(owner: Owner): { url: string; minutes: number };
  /** The per-gallery first-open alert switch (core/analytics); without it the alerts command is refused. */
  analytics?: { setAlertsEnabled(input: { owner: Owner; ref: string; enabled: boolean }): Promise<void> };
  /** A gallery's links (core/links): with it, disable / enable / delete given a share link act on that link alone. */
  links?: Pick<LinksApi, 'resolve' | 'setState' | 'delete'>;
}

export interface CommandInput {
  owner: Owner;
  locale: Locale;
  command: string;
  args: string[];
  /** Text of the message the command replies to: a gallery link in it stands in for `<link>`. */
  replyToText?: string | null;
  /** Whether the chat is private (one-to-one); passwords are only accepted there. */
  isPrivateChat?: boolean;
  /** How the platform spells commands, for help and "which gallery?" answers; default from `owner.platform`. */
  syntax?: CommandSyntax;
}

const BUTTON_PREFIX = 'mi';

export function encodeButton(action: ButtonAction, slug: string): string {
  return `${BUTTON_PREFIX}:${action}:${slug}`;
}

export function decodeButton(data: string): { action: ButtonAction; slug: string } | null {
  const match = /^mi:(stats|disable|enable|delete|delete-yes|delete-no|dashboard):([A-Za-z0-9_-]{22})$/.exec(data);
  return match ? { action: match[1] as ButtonAction, slug: match[2]! } : null;
}

export class ChatCommands {
  constructor(
    private readonly service: GalleryService,
    private readonly statsProvider: StatsProvider,
    private readonly logger: Logger,
  ) {}

  /** Runs one management command; never throws for user mistakes, it answers them. */
  async run(input: CommandInput): Promise<ChatReply> {
    const { owner, locale } = input;
    const command = input.command.toLowerCase().replace(/^\//, '');
    const syntax = input.syntax ?? { platform: owner.platform };
    try {
      if (command === 'help' || command === 'start') return { text: helpText(locale, syntax) };
      if (command === 'list') return await this.list(owner, locale, syntax.escapeText);
      if (command === 'dashboard') return this.dashboard(owner, locale, syntax);
      if (!findCommand(command)?.needsLink) return { text: helpText(locale, syntax), isError: true };

      const args = [...input.args];
      let ref = args[0] && (findReferenceInText(args[0]) ?? looksLikeRef(args[0])) ? args.shift()! : null;
      if (!ref && input.replyToText) ref = findReferenceInText(input.replyToText);
      if (!ref) return { text: needsLinkText(locale, command, syntax), isError: true };

      switch (command as ManageCommand) {
        case 'stats':
          return await this.stats(owner, ref, locale);
        case 'disable':
        case 'enable': {
          const state = command === 'disable' ? 'disabled' : 'active';
          const { links } = this.statsProvider;
          if (links && (await links.setState({ owner, ref, state })).scope === 'link')
            return { text: t(locale, command === 'disable' ? 'share.linkDisabled' : 'share.linkEnabled') };
          const gallery = await this.service.setLinkState({
            owner,
            ref,
            state: command === 'disable' ? 'disabled' : 'active',
          });
          return {
            text: t(locale, command === 'disable' ? 'link.disabled' : 'link.enabled'),
            slug: gallery.slug,
            buttons: this.galleryButtons(gallery, locale),
          };
        }
        case 'delete': {
          const { links } = this.statsProvider;
          // A share link goes alone, at once: the gallery and its other links stay.
          if (links && !(await links.resolve(ref)).link.first) {
            await links.delete({ owner, ref });
            return { text: t(locale, 'share.linkDeleted') };
          }
          const gallery = await this.service.getOwnedGallery({ owner, ref });
          const escape = syntax.escapeText ?? plain;
          return {
            text: t(locale, 'delete.confirm', {
              title: gallery.title ? escape(gallery.title) : t(locale, 'untitled'),
              count: gallery.images.length,
            }),
            slug: gallery.slug,
            buttons: [
              button('delete-yes', gallery.slug, t(locale, 'button.deleteYes'), 'danger'),
              button('delete-no', gallery.slug, t(locale, 'button.deleteNo'), 'default'),
            ],
          };
        }
        case 'expire':
          return await this.patch(input, ref, {
            expiresAt: parseExpiry(requireArg(args, 'option.expiry'), new Date()),
          });
        case 'maxviews':
          return await this.patch(input, ref, { maxOpens: parseMaxOpens(requireArg(args, 'option.maxOpens')) });
        case 'password': {
          if (!input.isPrivateChat) return { text: t(locale, 'password.privateOnly'), isError: true };
          const value = args.join(' ').trim();
          if (!value)
            throw new MaiimgError('INVALID_OPTION', { option: 'option.password', reason: 'reason.passwordOrOff' });
          return await this.patch(input, ref, { password: isOff(value) ? null : value });
        }
        case 'download':
          return await this.patch(input, ref, {
            downloadsAllowed: parseOnOff(requireArg(args, 'option.download'), 'option.download'),
          });
        case 'title': {
          const title = args.join(' ').trim();
          return await this.patch(input, ref, { title: title && !isOff(title) ? title : null });
        }
        case 'alerts':
          return await this.alerts(
            owner,
            ref,
            parseOnOff(requireArg(args, 'option.alerts'), 'option.alerts'),
            locale,
            syntax.escapeText,
          );
        default:
          return { text: helpText(locale, syntax), isError: true };
      }
    } catch (error) {
      return this.failure(error, locale);
    }
  }

  /** Handles a press of one of our buttons; `data` is the button's encoded payload. */
  async press(input: { owner: Owner; locale: Locale; data: string }): Promise<ChatReply> {
    const { owner, locale } = input;
    const decoded = decodeButton(input.data);
    if (!decoded) return { text: t(locale, 'INVALID_REFERENCE'), isError: true };
    const { action, slug } = decoded;
    try {
      switch (action) {
        case 'stats':
          return await this.stats(owner, slug, locale);
        case 'disable':
        case 'enable':
          return await this.run({ owner, locale, command: action, args: [slug] });
        case 'delete':
          return await this.run({ owner, locale, command: 'delete', args: [slug] });
        case 'delete-yes':
          await this.service.deleteGallery({ owner, ref: slug });
          return { text: t(locale, 'link.deleted'), slug };
        case 'dashboard':
          return this.dashboard(owner, locale, { platform: owner.platform });
        case 'delete-no': {
          const gallery = await this.service.getOwnedGallery({ owner, ref: slug });
          return { text: t(locale, 'delete.cancelled'), slug, buttons: this.galleryButtons(gallery, locale) };
        }
      }
    } catch (error) {
      return this.failure(error, locale);
    }
  }

  /** Stats, Disable or Enable (whichever applies now), Delete. */
  galleryButtons(gallery: Gallery, locale: Locale): ChatButton[] {
    const disabled = gallery.settings.state === 'disabled';
    return [
      button('stats', gallery.slug, t(locale, 'button.stats'), 'primary'),
      disabled
        ? button('enable', gallery.slug, t(locale, 'button.enable'), 'primary')
        : button('disable', gallery.slug, t(locale, 'button.disable'), 'default'),
      button('delete', gallery.slug, t(locale, 'button.delete'), 'danger'),
    ];
  }

  /** The answer to a processed batch: link, image count, and each rejected file with its reason. */
  batchReply(outcome: BatchOutcome, locale: Locale, escape: (text: string) => string = plain): ChatReply {
    const lines: string[] = [];
    if (outcome.gallery && outcome.url) {
      lines.push(
        t(locale, 'gallery.ready', { url: outcome.url }),
        t(locale, 'gallery.count', { count: outcome.accepted.length }),
      );
    } else {
      lines.push(t(locale, 'NO_VALID_FILES'));
    }
    if (outcome.rejected.length) {
      lines.push('', t(locale, 'gallery.rejected'));
      for (const r of outcome.rejected)
        lines.push(`• ${t(locale, 'gallery.rejectedLine', { file: escape(r.file), reason: r.message })}`);
    }
    return {
      text: lines.join('\n'),
      slug: outcome.gallery?.slug,
      buttons: outcome.gallery ? this.galleryButtons(outcome.gallery, locale) : undefined,
      isError: !outcome.gallery,
    };
  }

  /** The reply when a whole batch failed (too many files, storage down...). */
  batchFailure(error: unknown, locale: Locale): ChatReply {
    return this.failure(error, locale);
  }

  progressText(locale: Locale, progress: { received?: number; done?: number; total?: number }): string {
    if (progress.total !== undefined && progress.done !== undefined) {
      return t(locale, 'batch.processing', { done: progress.done, total: progress.total });
    }
    return t(locale, 'batch.received', { count: progress.received ?? 0 });
  }

  private async list(owner: Owner, locale: Locale, escape: (text: string) => string = plain): Promise<ChatReply> {
    const galleries = await this.service.listGalleries(owner);
    if (!galleries.length) return { text: t(locale, 'list.empty') };
    const lines = galleries.slice(0, 50).map((g) =>
      t(locale, 'list.line', {
        title: g.title ? escape(g.title) : t(locale, 'untitled'),
        count: g.imageCount,
        status: statusText(g.status, locale),
        opens: g.openCount,
        url: g.url,
      }),
    );
    return { text: lines.join('\n') };
  }

  private async stats(owner: Owner, ref: string, locale: Locale): Promise<ChatReply> {
    const gallery = await this.service.getOwnedGallery({ owner, ref });
    const buttons = this.galleryButtons(gallery, locale);
    if (this.statsProvider.dashboardLink)
      buttons.push(button('dashboard', gallery.slug, t(locale, 'dashboard.button'), 'default'));
    if (this.statsProvider.statsReply) {
      const reply = await this.statsProvider.statsReply({ owner, ref: gallery.slug, locale });
      return { text: reply.text, image: reply.image, slug: gallery.slug, buttons, privateReply: true };
    }
    const stats = await this.statsProvider.stats({ owner, ref: gallery.slug });
    // Stats show visitors' places and devices: for the owner's eyes only.
    return { text: renderStatsText(stats, locale), slug: gallery.slug, buttons, privateReply: true };
  }

  /** The owner's private magic link to the web dashboard. */
  private dashboard(owner: Owner, locale: Locale, syntax: CommandSyntax): ChatReply {
    if (!this.statsProvider.dashboardLink) return { text: helpText(locale, syntax), isError: true };
    const link = this.statsProvider.dashboardLink(owner);
    return { text: t(locale, 'dashboard.link', { url: link.url, minutes: link.minutes }), privateReply: true };
  }

  /** Switches the first-open alert of one gallery on or off. */
  private async alerts(
    owner: Owner,
    ref: string,
    enabled: boolean,
    locale: Locale,
    escape: (text: string) => string = plain,
  ): Promise<ChatReply> {
    const { analytics } = this.statsProvider;
    if (!analytics) return { text: helpText(locale, { platform: owner.platform }), isError: true };
    const gallery = await this.service.getOwnedGallery({ owner, ref });
    await analytics.setAlertsEnabled({ owner, ref: gallery.slug, enabled });
    return {
      text: t(locale, enabled ? 'alerts.on' : 'alerts.off', {
        title: gallery.title ? escape(gallery.title) : t(locale, 'untitled'),
      }),
      slug: gallery.slug,
    };
  }

  private async patch(input: CommandInput, ref: string, patch: SettingsPatch): Promise<ChatReply> {
    const gallery = await this.service.updateSettings({ owner: input.owner, ref, patch });
    return { text: t(input.locale, 'link.updated'), slug: gallery.slug };
  }

  private failure(error: unknown, locale: Locale): ChatReply {
    if (isMaiimgError(error)) return { text: errorMessage(locale, error.code, error.params), isError: true };
    this.logger.error({ err: error }, 'chat command failed');
    return { text: errorMessage(locale, 'INTERNAL'), isError: true };
  }
}

export function statusText(status: LinkStatus, locale: Locale): string {
  return t(locale, `link.state.${status}` as MessageKey);
}

/** The help of one platform (Telegram's when none is named), derived from the command table. */
export function helpText(locale: Locale, syntax: CommandSyntax = { platform: 'telegram' }): string {
  return tableHelpText(locale, syntax);
}

/** "Which gallery?" in the platform's own syntax; a reply stands in for the link only on Telegram. */
function needsLinkText(locale: Locale, command: string, syntax: CommandSyntax): string {
  const text = t(locale, 'command.needsLink', { usage: commandUsage(command, syntax, locale) });
  return replyCanNameGallery(syntax) ? `${text}\n${t(locale, 'command.needsLink.reply')}` : text;
}

const plain = (text: string) => text;

function button(action: ButtonAction, slug: string, label: string, style: ChatButton['style']): ChatButton {
  return { action, slug, label, style, data: encodeButton(action, slug) };
}

function looksLikeRef(text: string): boolean {
  return /^[A-Za-z0-9_-]{22}$/.test(text) || /^https?:\/\//i.test(text);
}

function requireArg(args: string[], option: string): string {
  const value = args[0];
  if (!value) throw new MaiimgError('INVALID_OPTION', { option, reason: 'reason.missing' });
  return value;
}
