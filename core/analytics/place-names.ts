import { iso31662 } from 'iso-3166';
import type { Locale } from '../types.js';
import { countryName } from './stats-chart.js';

let subdivisions: Map<string, string> | null = null;

/**
 * The name of a country's subdivision from its ISO 3166-2 code as geoip reports it (`JP` + `13` is
 * Tôkyô, `US` + `CA` California), from the `iso-3166` package's copy of the standard (offline,
 * maintained); null when the code is unknown.
 */
export function subdivisionName(country: string | null, region: string | null): string | null {
  if (!country || !region) return null;
  if (!subdivisions) subdivisions = new Map(iso31662.map((entry) => [entry.code, entry.name]));
  return subdivisions.get(`${country}-${region}`) ?? null;
}

/** "City, Subdivision, Country" for people: names, never codes; parts that are unknown are left out. */
export function placeName(
  place: { city: string | null; region: string | null; country: string | null },
  locale: Locale,
): string | null {
  const region =
    subdivisionName(place.country, place.region) ?? (place.region && !/^\d+$/.test(place.region) ? place.region : null);
  const parts = [place.city, region, place.country ? countryName(place.country, locale) : null].filter(Boolean);
  return parts.length ? parts.join(', ') : null;
}
