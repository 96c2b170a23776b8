import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  MessageFlags,
  type APIActionRowComponent,
  type APIButtonComponent,
} from 'discord.js';
import type { ChatButton, ChatReply } from '../../core/chat/chat-commands.js';

/** Discord refuses message content longer than this. */
export const MAX_CONTENT_LENGTH = 2000;

const STYLES: Record<ChatButton['style'], ButtonStyle> = {
  primary: ButtonStyle.Primary,
  danger: ButtonStyle.Danger,
  default: ButtonStyle.Secondary,
};

/** ChatCommands' buttons as one Discord action row; `custom_id` is the button's encoded data. */
export function buttonRows(buttons: ChatButton[] | undefined): APIActionRowComponent<APIButtonComponent>[] {
  if (!buttons?.length) return [];
  const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
    buttons
      .slice(0, 5)
      .map((button) =>
        new ButtonBuilder().setCustomId(button.data).setLabel(button.label).setStyle(STYLES[button.style]),
      ),
  );
  return [row.toJSON()];
}

/** Long replies (a long list, many rejected files) are cut to what Discord accepts. */
export function fitContent(text: string): string {
  return text.length <= MAX_CONTENT_LENGTH ? text : `${text.slice(0, MAX_CONTENT_LENGTH - 1)}…`;
}

/**
 * Content and components of a reply (files are added by the caller). Embeds are suppressed: our
 * replies carry gallery and dashboard links, and Discord's preview fetch of them would be a visit
 * (and would show a login link's target to whoever sees the message).
 */
export function renderReply(reply: ChatReply): {
  content: string;
  components: APIActionRowComponent<APIButtonComponent>[];
  flags: MessageFlags.SuppressEmbeds;
} {
  return { content: fitContent(reply.text), components: buttonRows(reply.buttons), flags: MessageFlags.SuppressEmbeds };
}

/** A reply with its picture (the stats chart) as an attachment. */
export function renderReplyWithImage(
  reply: ChatReply,
): ReturnType<typeof renderReply> & { files: AttachmentBuilder[] } {
  return {
    ...renderReply(reply),
    files: reply.image ? [new AttachmentBuilder(reply.image.png, { name: reply.image.name })] : [],
  };
}
