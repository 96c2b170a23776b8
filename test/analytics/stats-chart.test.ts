import { describe, expect, it } from 'vitest';
import { hoursPanel } from '../../core/analytics/stats-chart.js';

/** The y-axis labels of a column chart (right-aligned numbers). */
const axisLabels = (svg: string) =>
  [...svg.matchAll(/<text [^>]*text-anchor="end"[^>]*>([^<]*)<\/text>/g)].map((match) => match[1]);

describe('stats charts', () => {
  it('labels the axis with whole numbers only (no 0, 1, 1 for a single open)', () => {
    const opensByHour: number[] = Array.from({ length: 24 }, (_, hour) => (hour === 9 ? 1 : 0));
    expect(axisLabels(hoursPanel({ opensByHour, timeZone: 'UTC' }, 'en'))).toEqual(['0', '1']);
    opensByHour[9] = 4;
    expect(axisLabels(hoursPanel({ opensByHour, timeZone: 'UTC' }, 'en'))).toEqual(['0', '2', '4']);
  });

  it('gives every colour a class, so the dashboard can repaint the chart in dark mode', () => {
    const svg = hoursPanel({ opensByHour: Array.from({ length: 24 }, (_, hour) => hour % 5), timeZone: 'UTC' }, 'en');
    for (const element of svg.match(/<(rect|text|line)\b[^>]*>/g)!) expect(element).toMatch(/ class="chart-[a-z]+"/);
  });
});
