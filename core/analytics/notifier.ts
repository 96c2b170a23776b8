import type { ChatButton } from '../chat/chat-commands.js';
import type { Locale, Owner, Platform } from '../types.js';

export type AlertKind = 'first-open' | 'unique-visitors' | 'countries';

/** One message for a gallery's owner, already worded; the platform only delivers it. */
export interface OwnerAlert {
  kind: AlertKind;
  /** The owner, with the chat the gallery was made in (`chatId`; null when unknown: send a direct message). */
  owner: Owner;
  locale: Locale;
  slug: string;
  text: string;
  /** One row of buttons, encoded like every other bot button (ChatCommands.press handles them). */
  buttons: ChatButton[];
}

/**
 * How alerts reach an owner: each bot implements it for its platform and registers it with
 * `core.analytics.notifiers.register(platform, notifier)`. Throwing means "not delivered":
 * the alert is tried again on the next check.
 */
export interface Notifier {
  notify(alert: OwnerAlert): Promise<void>;
  /** Escapes a person's text (a gallery title) for the platform's markup before it goes into an alert. */
  escapeText?(text: string): string;
}

/** The notifiers of the bots running in this process, by platform. */
export class NotifierRegistry {
  private readonly byPlatform = new Map<Platform, Notifier>();

  /** Registers a platform's notifier; returns a function that removes it again (bot stop). */
  register(platform: Platform, notifier: Notifier): () => void {
    this.byPlatform.set(platform, notifier);
    return () => {
      if (this.byPlatform.get(platform) === notifier) this.byPlatform.delete(platform);
    };
  }

  get(platform: Platform): Notifier | undefined {
    return this.byPlatform.get(platform);
  }

  platforms(): Platform[] {
    return [...this.byPlatform.keys()];
  }
}
