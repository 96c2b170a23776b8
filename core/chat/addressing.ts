/**
 * "Is this message for us", the same on every platform. In a shared chat (group, guild channel,
 * Slack channel) the bot answers only what is addressed to it, by a mention or a reply to one of its
 * messages; in a direct chat everything is for it. Files addressed to us make a gallery; text
 * addressed to us, without a command, earns the help.
 */
export interface IncomingMessageFacts {
  /** A one-to-one chat between the person and the bot. */
  isDirect: boolean;
  /** The message names the bot (@mention). */
  mentionsBot: boolean;
  /** The message replies to one of the bot's own messages. */
  repliesToBot: boolean;
  hasFiles: boolean;
}

export type MessageDecision = 'collect' | 'help' | 'ignore';

export function decideMessage(facts: IncomingMessageFacts): MessageDecision {
  const forUs = facts.isDirect || facts.mentionsBot || facts.repliesToBot;
  if (!forUs) return 'ignore';
  return facts.hasFiles ? 'collect' : 'help';
}

/** Whether a command names another bot (`/stats@other_bot`) and so is not ours to answer. */
export function commandIsForOtherBot(addressee: string | undefined, ourUsername: string | undefined): boolean {
  return Boolean(addressee && ourUsername && addressee.toLowerCase() !== ourUsername.toLowerCase());
}

/** Removes every `@botname` mention from a caption, so it does not end up in the gallery title. */
export function stripMention(text: string, username: string | undefined): string {
  if (!username) return text.trim();
  const escaped = username.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text
    .replace(new RegExp(`(^|\\s)@${escaped}\\b`, 'gi'), '$1')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

/**
 * Where a reply goes. Some replies are for the owner's eyes only (a dashboard login link, stats
 * with visitors' places and devices): in a shared chat they go privately (a direct message on
 * Telegram, an ephemeral answer on Discord and Slack) and the chat gets a short notice at most.
 */
export function replyVisibility(reply: { privateReply?: boolean }, chat: { isDirect: boolean }): 'here' | 'private' {
  return reply.privateReply && !chat.isDirect ? 'private' : 'here';
}
