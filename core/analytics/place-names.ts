import { createRequire } from 'node:module';
import { iso31662 } from 'iso-3166';
import type { Locale } from '../types.js';
import { countryName } from './stats-chart.js';

const require = createRequire(import.meta.url);

interface CldrSubdivisions {
  subdivisions: { localeDisplayNames: { subdivisions: Record<string, string> } };
}
interface CldrAliases {
  supplemental: { metadata: { alias: { subdivisionAlias: Record<string, { _replacement: string }> } } };
}

/** CLDR's files per site language (its Chinese file names only a few subdivisions; English fills in). */
const CLDR_FILES: Record<Locale, string[]> = { en: ['en'], 'zh-CN': ['zh', 'en'] };

const namesByLocale = new Map<Locale, Array<Record<string, string>>>();
let aliases: Record<string, { _replacement: string }> | null = null;
let isoNames: Map<string, string> | null = null;

function cldrNames(locale: Locale): Array<Record<string, string>> {
  let names = namesByLocale.get(locale);
  if (!names) {
    names = CLDR_FILES[locale].map(
      (file) =>
        (require(`cldr-subdivisions-full/subdivisions/${file}/${file}.json`) as CldrSubdivisions).subdivisions
          .localeDisplayNames.subdivisions,
    );
    namesByLocale.set(locale, names);
  }
  return names;
}

/** CLDR's id for a subdivision (`JP` + `13` -> `jp13`), through its aliases for retired codes (`cn11` -> `cnbj`). */
function cldrId(country: string, region: string): string[] {
  const id = `${country}${region}`.toLowerCase();
  aliases ??= (require('cldr-core/supplemental/aliases.json') as CldrAliases).supplemental.metadata.alias
    .subdivisionAlias;
  const replacement = aliases[id]?._replacement;
  // A replacement can be a list, or a country of its own (`frbl` -> `BL`): only a single subdivision stands in.
  return replacement && /^[a-z]{2}[a-z0-9]{1,4}$/.test(replacement) ? [id, replacement] : [id];
}

/**
 * The readable name of a country's subdivision from its ISO 3166-2 code as geoip reports it
 * (`JP` + `13` is Tokyo, `US` + `CA` California, `GB` + `ENG` England), in the page's language where
 * known. Names come from the Unicode CLDR (the data behind Intl's own country names, kept up to
 * date by Unicode); for the few codes CLDR lacks, the name the ISO standard gives (the `iso-3166`
 * package). Null when the code is unknown to both.
 */
export function subdivisionName(country: string | null, region: string | null, locale: Locale = 'en'): string | null {
  if (!country || !region) return null;
  const ids = cldrId(country, region);
  for (const names of cldrNames(locale)) {
    for (const id of ids) {
      // CLDR marks names that repeat in one country with a superscript number ("Île-de-France²").
      const name = names[id]?.replace(/[\u00b9\u00b2\u00b3\u2070-\u2079]+$/u, '');
      if (name) return name;
    }
  }
  isoNames ??= new Map(iso31662.map((entry) => [entry.code, entry.name]));
  return isoNames.get(`${country}-${region}`) ?? null;
}

/** "City, Subdivision, Country" for people: names, never codes; parts that are unknown are left out. */
export function placeName(
  place: { city: string | null; region: string | null; country: string | null },
  locale: Locale,
): string | null {
  const region =
    subdivisionName(place.country, place.region, locale) ??
    (place.region && !/^\d+$/.test(place.region) ? place.region : null);
  const parts = [place.city, region, place.country ? countryName(place.country, locale) : null].filter(Boolean);
  return parts.length ? parts.join(', ') : null;
}
