import { afterEach, describe, expect, it } from 'vitest';
import type { Notifier, OwnerAlert } from '../../core/analytics/notifier.js';
import { ChatCommands } from '../../core/chat/chat-commands.js';
import type { Gallery } from '../../core/types.js';
import { DATABASE_PROVIDERS } from '../helpers/databases.js';
import type { TestCore } from '../helpers/test-core.js';
import { ALICE, ManualClock, makeGallery, seedVisits, startAnalyticsCore } from './analytics-fixtures.js';

/** What a bot's notifier does, recorded; `failures` deliveries fail first. */
class RecordingNotifier implements Notifier {
  readonly sent: OwnerAlert[] = [];
  failures = 0;
  async notify(alert: OwnerAlert): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('platform unreachable');
    }
    this.sent.push(alert);
  }
}

const NOW = new Date('2026-03-15T12:00:00Z');

for (const provider of DATABASE_PROVIDERS) {
  describe(`owner alerts [${provider}]`, () => {
    let test: TestCore;
    let gallery: Gallery;
    let notifier: RecordingNotifier;
    let clock: ManualClock;

    async function start(env: Record<string, string> = {}): Promise<void> {
      clock = new ManualClock(NOW);
      test = await startAnalyticsCore(provider, { clock, env });
      gallery = await makeGallery(test.core, ALICE, 'Wedding');
      notifier = new RecordingNotifier();
      test.core.analytics.notifiers.register('telegram', notifier);
    }

    afterEach(async () => {
      await test?.cleanup();
    });

    it('tells the owner about the first open once, in the chat the gallery was made in', async () => {
      await start();
      expect(await test.core.analytics.alerts.check()).toEqual([]);
      await seedVisits(test.core, gallery, [
        { at: '2026-03-15T11:58:00Z', kind: 'preview', previewPlatform: 'telegram' },
        {
          at: '2026-03-15T11:59:00Z',
          country: 'FR',
          city: 'Paris',
          deviceType: 'mobile',
          browser: 'Mobile Safari',
          os: 'iOS',
        },
      ]);
      await test.core.analytics.alerts.check();
      await seedVisits(test.core, gallery, [{ at: '2026-03-15T11:59:30Z', country: 'DE' }]);
      await test.core.analytics.alerts.check();
      expect(notifier.sent).toHaveLength(1);
      const [alert] = notifier.sent;
      expect(alert!.kind).toBe('first-open');
      expect(alert!.owner).toEqual(ALICE);
      expect(alert!.slug).toBe(gallery.slug);
      expect(alert!.text).toContain('“Wedding” was just opened for the first time');
      expect(alert!.text).toContain('Paris, France');
      expect(alert!.text).toContain('Mobile · Mobile Safari · iOS');
      // Never shared: one link, nothing to tell apart.
      expect(alert!.text).not.toContain('Via:');
    });

    it('says which link a shared gallery was first opened through, and which link spread it', async () => {
      await start({ ALERT_UNIQUE_PER_HOUR: '3' });
      const { link } = await test.core.links.share({
        owner: ALICE,
        ref: gallery.slug,
        platform: 'slack',
        label: '#design',
        chatName: 'design',
      });
      await seedVisits(test.core, gallery, [{ at: '2026-03-15T11:00:00Z', linkId: link.id, country: 'FR' }]);
      await test.core.analytics.alerts.check();
      expect(notifier.sent[0]!.kind).toBe('first-open');
      expect(notifier.sent[0]!.text).toContain('Via: the link shared in #design');

      await seedVisits(
        test.core,
        gallery,
        Array.from({ length: 4 }, (_, i) => ({
          at: new Date(NOW.getTime() - (20 - i) * 60_000),
          visitorKey: `spread-${i}`,
          ...(i < 3 ? { linkId: link.id } : {}),
        })),
      );
      await test.core.analytics.alerts.check();
      const spread = notifier.sent.find((a) => a.kind === 'unique-visitors')!;
      expect(spread.text).toContain('Most of them came through the link shared in #design.');
    });

    it("escapes a link's label for the owner's platform, as it does the title", async () => {
      await start();
      // Discord's notifier escapes markdown; a label typed by a person must not turn into formatting.
      const escaping = new RecordingNotifier();
      const escapeText = (text: string) => text.replace(/[*_]/g, (c) => `\\${c}`);
      test.core.analytics.notifiers.register('telegram', Object.assign(escaping, { escapeText }));
      const { link } = await test.core.links.share({
        owner: ALICE,
        ref: gallery.slug,
        platform: 'discord',
        label: '*design*',
      });
      await seedVisits(test.core, gallery, [{ at: '2026-03-15T11:00:00Z', linkId: link.id, country: 'FR' }]);
      await test.core.analytics.alerts.check();
      expect(escaping.sent[0]!.text).toContain('Via: the link shared in \\*design\\*');
    });

    it('names the original link in the first-open alert once the gallery has been shared', async () => {
      await start();
      await test.core.links.share({ owner: ALICE, ref: gallery.slug, platform: 'telegram', label: 'Family' });
      await seedVisits(test.core, gallery, [{ at: '2026-03-15T11:59:00Z' }]);
      await test.core.analytics.alerts.check();
      expect(notifier.sent[0]!.text).toContain('Via: the original link');
    });

    it('sends no first-open alert for a gallery whose alerts are switched off', async () => {
      await start();
      await test.core.analytics.setAlertsEnabled({ owner: ALICE, ref: gallery.slug, enabled: false });
      await seedVisits(test.core, gallery, [{ at: '2026-03-15T11:59:00Z' }]);
      await test.core.analytics.alerts.check();
      expect(notifier.sent).toEqual([]);
      // Switched back on later, the open from while they were off is not announced as new.
      await test.core.analytics.setAlertsEnabled({ owner: ALICE, ref: gallery.slug, enabled: true });
      await test.core.analytics.alerts.check();
      expect(notifier.sent).toEqual([]);
    });

    it('tries again when the alert could not be delivered', async () => {
      await start();
      notifier.failures = 1;
      await seedVisits(test.core, gallery, [{ at: '2026-03-15T11:59:00Z' }]);
      await test.core.analytics.alerts.check();
      expect(notifier.sent).toEqual([]);
      await test.core.analytics.alerts.check();
      expect(notifier.sent.map((a) => a.kind)).toEqual(['first-open']);
    });

    it('warns once with a Disable button when more unique visitors than ALERT_UNIQUE_PER_HOUR open it within an hour', async () => {
      await start({ ALERT_UNIQUE_PER_HOUR: '5' });
      const visits = (count: number, from: number) =>
        Array.from({ length: count }, (_, i) => ({
          at: new Date(NOW.getTime() - 50 * 60_000 + i * 60_000),
          visitorKey: `v${from + i}`,
          country: 'FR',
        }));
      await seedVisits(test.core, gallery, visits(5, 0));
      await test.core.analytics.alerts.check();
      expect(notifier.sent.map((a) => a.kind)).toEqual(['first-open']);
      await seedVisits(test.core, gallery, visits(1, 5));
      await test.core.analytics.alerts.check();
      await seedVisits(test.core, gallery, visits(10, 6));
      await test.core.analytics.alerts.check();
      const spread = notifier.sent.filter((a) => a.kind === 'unique-visitors');
      expect(spread).toHaveLength(1);
      expect(spread[0]!.text).toContain('6 different visitors in the last hour (more than 5)');
      const disable = spread[0]!.buttons.find((b) => b.action === 'disable')!;
      // One tap on the alert's button disables the link, through the shared chat commands.
      const commands = new ChatCommands(test.core.service, test.core, test.core.logger);
      await commands.press({ owner: ALICE, locale: 'en', data: disable.data });
      expect((await test.core.service.getGallery(gallery.slug)).settings.state).toBe('disabled');
    });

    it('warns once when opens come from more than ALERT_COUNTRIES countries in a day', async () => {
      await start();
      const countries = ['FR', 'DE', 'IT', 'ES', 'PT'];
      await seedVisits(
        test.core,
        gallery,
        countries.slice(0, 3).map((country, i) => ({ at: new Date(NOW.getTime() - (10 - i) * 3_600_000), country })),
      );
      await test.core.analytics.alerts.check();
      expect(notifier.sent.filter((a) => a.kind === 'countries')).toEqual([]);
      await seedVisits(test.core, gallery, [{ at: new Date(NOW.getTime() - 3_600_000), country: 'ES' }]);
      await test.core.analytics.alerts.check();
      await seedVisits(test.core, gallery, [{ at: new Date(NOW.getTime() - 1_800_000), country: 'PT' }]);
      await test.core.analytics.alerts.check();
      const spread = notifier.sent.filter((a) => a.kind === 'countries');
      expect(spread).toHaveLength(1);
      expect(spread[0]!.text).toContain('from 4 countries in the last day');
      expect(spread[0]!.buttons.map((b) => b.action)).toEqual(['disable']);
    });

    it('stays silent for platforms that have no running bot', async () => {
      await start();
      const slackGallery = await makeGallery(test.core, { platform: 'slack', userId: 'U1', chatId: 'C1' }, 'Slack one');
      await seedVisits(test.core, slackGallery, [{ at: '2026-03-15T11:59:00Z' }]);
      await test.core.analytics.alerts.check();
      expect(notifier.sent.map((a) => a.slug)).not.toContain(slackGallery.slug);
    });
  });
}
