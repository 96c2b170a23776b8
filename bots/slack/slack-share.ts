import type { types, webApi } from '@slack/bolt';
import type { ChatReply } from '../../core/chat/chat-commands.js';
import { slackChannelLabel, type ChatShare, type ShareCard } from '../../core/chat/chat-share.js';
import { findReferenceInText } from '../../core/gallery-ref.js';
import { t } from '../../core/messages.js';
import type { Logger } from '../../core/ports.js';
import type { Locale, Owner } from '../../core/types.js';
import { escapeMrkdwn } from './slack-blocks.js';

/**
 * `/gallery share <link> [#channel]`: posts the gallery's card in the channel (the one the command
 * was typed in by default) with a link of its own labelled `#channel`. Slack refuses posts to a
 * channel the app is not in (`not_in_channel`, or `channel_not_found` for a private one it cannot
 * see); the answer then says how to invite it.
 */

/** Slack's refusals that an invitation of the app cures. */
const NOT_A_MEMBER = new Set(['not_in_channel', 'channel_not_found']);

/** The Open button's action id: a link button still sends a press, which the app only acknowledges. */
export const OPEN_GALLERY_ACTION = 'maiimg_open_gallery';

/**
 * A channel as a slash command's text names it: `<#C123|design>` when the command escapes its text
 * (and `<#C123|>` when Slack leaves the name out), or `#design` as typed.
 */
export function parseChannelMention(word: string): { id?: string; name?: string } | null {
  const escaped = /^<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>$/.exec(word);
  if (escaped) return { id: escaped[1]!, name: escaped[2] || undefined };
  const typed = /^#([a-z0-9][a-z0-9_-]{0,79})$/i.exec(word);
  return typed ? { name: typed[1]! } : null;
}

/**
 * Escaped mentions back to what the person typed (`<#C123|design>` -> `#design`, `<@U1|ann>` ->
 * `@ann`), for commands that take text (a title) rather than a channel.
 */
export function typedMention(word: string): string {
  const match = /^<([#@])[A-Z0-9]+\|([^>]+)>$/.exec(word) ?? /^<!(here|channel|everyone)>$/.exec(word);
  if (!match) return word;
  return match.length === 3 ? `${match[1]}${match[2]}` : `@${match[1]}`;
}

export class SlackShare {
  /** The app's name in the workspace, for "/invite @name" (auth.test, asked once). */
  private appName: Promise<string> | undefined;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly share: ChatShare,
    private readonly logger: Logger,
  ) {}

  /** Answers the command: the confirmation (the card went to the channel), or why it did not. */
  async command(input: {
    owner: Owner;
    user: string;
    channel: string;
    args: string[];
    locale: Locale;
  }): Promise<ChatReply> {
    const { owner, locale, args } = input;
    const ref = findReferenceInText(args[0] ?? '') ?? args[0]!;
    const named = args[1] ? parseChannelMention(args[1]) : { id: input.channel };
    if (!named) return { text: t(locale, 'slack.share.badChannel'), isError: true };
    const target = await this.describe(named);
    const label = slackChannelLabel(target.name ?? target.id);
    const outcome = await this.share.share(
      { owner, ref, label, platform: 'slack', chatId: target.id, chatName: label, sharedBy: input.user },
      { locale, where: label, escape: escapeMrkdwn },
    );
    if (!outcome.ok) return outcome.reply;
    try {
      await this.client.chat.postMessage({
        channel: target.id,
        ...cardMessage(outcome.card),
        // Slack's unfurler would fetch the gallery: the card is the preview.
        unfurl_links: false,
        unfurl_media: false,
      });
    } catch (error) {
      // No card, no link: a link nobody was given would only clutter the owner's list.
      await this.share.deleteLink(owner, outcome.link.slug);
      const code = slackErrorCode(error);
      if (code && NOT_A_MEMBER.has(code)) {
        this.logger.info({ channel: target.id, error: code }, 'slack: share refused; the app is not in the channel');
        return {
          text: t(locale, 'slack.share.invite', { channel: label, app: await this.nameOfApp() }),
          isError: true,
        };
      }
      return this.share.failure(error, locale);
    }
    return { text: outcome.confirmation };
  }

  /**
   * The channel's id and name. A typed `#name` is posted to as is (chat.postMessage takes names);
   * an id is named by conversations.info (channels:read, groups:read), when Slack lets us see it.
   */
  private async describe(named: { id?: string; name?: string }): Promise<{ id: string; name?: string }> {
    if (!named.id) return { id: `#${named.name}`, name: named.name };
    if (named.name) return { id: named.id, name: named.name };
    try {
      const info = await this.client.conversations.info({ channel: named.id });
      const channel = info.channel as { name?: string; is_im?: boolean } | undefined;
      return { id: named.id, name: channel?.is_im ? undefined : channel?.name };
    } catch (error) {
      // Not a member of a private channel, or the scopes are missing: the post will tell.
      this.logger.debug({ err: error, channel: named.id }, 'slack: conversations.info failed');
      return { id: named.id };
    }
  }

  private nameOfApp(): Promise<string> {
    this.appName ??= this.client.auth
      .test()
      .then((result) => String(result.user ?? 'maiimg'))
      .catch(() => 'maiimg');
    return this.appName;
  }
}

/** The card as Block Kit: title and count, the preview picture (never for a protected gallery), the Open button. */
export function cardMessage(card: ShareCard): { text: string; blocks: types.KnownBlock[] } {
  const blocks: types.KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${card.title}*\n${card.count}` } },
  ];
  if (card.previewUrl) blocks.push({ type: 'image', image_url: card.previewUrl, alt_text: card.title.slice(0, 2000) });
  blocks.push({
    type: 'actions',
    elements: [
      {
        type: 'button',
        action_id: OPEN_GALLERY_ACTION,
        text: { type: 'plain_text', text: card.buttonLabel },
        url: card.url,
        style: 'primary',
      },
    ],
  });
  return { text: card.text, blocks };
}

/** `data.error` of a Slack Web API refusal (`not_in_channel`...). */
function slackErrorCode(error: unknown): string | undefined {
  const data = (error as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}
