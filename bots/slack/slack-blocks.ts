import type { types } from '@slack/bolt';
import type { ChatButton, ChatReply } from '../../core/chat/chat-commands.js';
import { t } from '../../core/messages.js';
import type { Locale } from '../../core/types.js';

type KnownBlock = types.KnownBlock;
type ActionsBlock = types.ActionsBlock;
type Button = types.Button;

/** Every button the app renders has an action_id with this prefix, so one listener takes them all. */
export const ACTION_ID_PREFIX = 'maiimg_';
export const ACTION_ID_PATTERN = /^maiimg_/;

/** Slack refuses section texts over 3000 characters. */
const SECTION_LIMIT = 3000;

/** Slack's mrkdwn treats these three as control characters (user file names may contain them). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface SlackMessage {
  /** Notification / fallback text. */
  text: string;
  blocks: KnownBlock[];
}

/** A ChatReply as a Slack message: its text in a section, its buttons in one actions block. */
export function renderReply(reply: ChatReply, locale: Locale): SlackMessage {
  const text = escapeMrkdwn(reply.text);
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_LIMIT) } }];
  if (reply.buttons?.length) blocks.push(renderButtons(reply.buttons, locale));
  return { text: truncate(text, 4000), blocks };
}

/** Keeps a message's text blocks and replaces its buttons (Disable becomes Enable and back). */
export function replaceButtons(blocks: KnownBlock[], buttons: ChatButton[] | undefined, locale: Locale): KnownBlock[] {
  const kept = blocks.filter((block) => block.type !== 'actions');
  return buttons?.length ? [...kept, renderButtons(buttons, locale)] : kept;
}

function renderButtons(buttons: ChatButton[], locale: Locale): ActionsBlock {
  return {
    type: 'actions',
    block_id: 'maiimg_buttons',
    elements: buttons.map((button) => renderButton(button, locale)),
  };
}

function renderButton(button: ChatButton, locale: Locale): Button {
  const element: Button = {
    type: 'button',
    action_id: `${ACTION_ID_PREFIX}${button.action}`,
    text: { type: 'plain_text', text: button.label, emoji: true },
    value: button.data,
  };
  if (button.style !== 'default') element.style = button.style;
  // Slack's own confirm dialog is the confirmation step for Delete (see slack-app.ts).
  if (button.action === 'delete') {
    element.confirm = {
      title: { type: 'plain_text', text: t(locale, 'slack.deleteConfirmTitle') },
      text: { type: 'plain_text', text: t(locale, 'slack.deleteConfirmText') },
      confirm: { type: 'plain_text', text: t(locale, 'button.deleteYes') },
      deny: { type: 'plain_text', text: t(locale, 'button.deleteNo') },
      style: 'danger',
    };
  }
  return element;
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
