import { describe, expect, it } from 'vitest';
import { placeName, subdivisionName } from '../../core/analytics/place-names.js';

describe('place names in the visit log', () => {
  it('names subdivisions in plain English from the CLDR, for the codes geoip reports', () => {
    expect(subdivisionName('JP', '13')).toBe('Tokyo');
    expect(subdivisionName('US', 'CA')).toBe('California');
    expect(subdivisionName('GB', 'ENG')).toBe('England');
    expect(subdivisionName('DE', 'BY')).toBe('Bavaria');
    // CLDR's mark for a name used twice ("Île-de-France²") is not shown.
    expect(subdivisionName('FR', 'IDF')).toBe('Île-de-France');
  });

  it('follows retired codes to their replacement (CN-11 is now CN-BJ)', () => {
    expect(subdivisionName('CN', '11')).toBe('Beijing');
    expect(subdivisionName('CN', 'BJ')).toBe('Beijing');
    expect(subdivisionName('CN', '31')).toBe('Shanghai');
  });

  it('falls back to the ISO name where CLDR has none, and to nothing for unknown codes', () => {
    expect(subdivisionName('FR', 'NC')).toBe('Nouvelle-Calédonie');
    expect(subdivisionName('JP', '99')).toBeNull();
    expect(subdivisionName(null, '13')).toBeNull();
  });

  it('writes "City, Subdivision, Country" in the page’s language, never a bare code', () => {
    expect(placeName({ city: 'Tokyo', region: '13', country: 'JP' }, 'en')).toBe('Tokyo, Tokyo, Japan');
    expect(placeName({ city: 'Beijing', region: '11', country: 'CN' }, 'en')).toBe('Beijing, Beijing, China');
    expect(placeName({ city: 'London', region: 'ENG', country: 'GB' }, 'zh-CN')).toBe('London, 英格兰, 英国');
    expect(placeName({ city: null, region: '99', country: 'JP' }, 'en')).toBe('Japan');
    expect(placeName({ city: null, region: null, country: null }, 'en')).toBeNull();
  });
});
