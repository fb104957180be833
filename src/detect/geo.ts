// Where a country is, as well as the sources say: they carry a country (an ISO 3166 code, or its
// English name as Okta writes it), not coordinates, so a sign-in is placed at its country's
// approximate centre, with its reach (about half its longest extent, km): two sign-ins in two
// countries are at least the centres' distance less both reaches apart (0 for neighbours).
const CENTRES: ReadonlyArray<readonly [code: string, name: string, lat: number, lon: number, reachKm: number]> = [
  ['US', 'United States', 39.8, -98.6, 2300],
  ['CA', 'Canada', 56.1, -106.3, 2300],
  ['MX', 'Mexico', 23.6, -102.6, 1000],
  ['BR', 'Brazil', -14.2, -51.9, 2150],
  ['AR', 'Argentina', -38.4, -63.6, 1700],
  ['CL', 'Chile', -35.7, -71.5, 2150],
  ['CO', 'Colombia', 4.6, -74.3, 700],
  ['PE', 'Peru', -9.2, -75.0, 900],
  ['GB', 'United Kingdom', 54.0, -2.0, 500],
  ['IE', 'Ireland', 53.4, -8.2, 250],
  ['FR', 'France', 46.6, 2.2, 500],
  ['DE', 'Germany', 51.2, 10.4, 450],
  ['NL', 'Netherlands', 52.1, 5.3, 150],
  ['BE', 'Belgium', 50.5, 4.5, 150],
  ['CH', 'Switzerland', 46.8, 8.2, 180],
  ['AT', 'Austria', 47.5, 14.6, 300],
  ['ES', 'Spain', 40.5, -3.7, 500],
  ['PT', 'Portugal', 39.4, -8.2, 300],
  ['IT', 'Italy', 41.9, 12.6, 600],
  ['PL', 'Poland', 51.9, 19.1, 350],
  ['CZ', 'Czechia', 49.8, 15.5, 250],
  ['SE', 'Sweden', 60.1, 18.6, 800],
  ['NO', 'Norway', 60.5, 8.5, 900],
  ['FI', 'Finland', 61.9, 25.7, 600],
  ['DK', 'Denmark', 56.3, 9.5, 200],
  ['RO', 'Romania', 45.9, 25.0, 350],
  ['UA', 'Ukraine', 48.4, 31.2, 650],
  ['RU', 'Russia', 61.5, 105.3, 4000],
  ['TR', 'Turkey', 39.0, 35.2, 800],
  ['GR', 'Greece', 39.1, 21.8, 400],
  ['IL', 'Israel', 31.0, 34.9, 230],
  ['AE', 'United Arab Emirates', 23.4, 53.8, 250],
  ['SA', 'Saudi Arabia', 23.9, 45.1, 1100],
  ['IR', 'Iran', 32.4, 53.7, 1100],
  ['EG', 'Egypt', 26.8, 30.8, 650],
  ['NG', 'Nigeria', 9.1, 8.7, 600],
  ['KE', 'Kenya', -0.0, 37.9, 500],
  ['ZA', 'South Africa', -30.6, 22.9, 800],
  ['IN', 'India', 20.6, 79.0, 1600],
  ['PK', 'Pakistan', 30.4, 69.3, 800],
  ['BD', 'Bangladesh', 23.7, 90.4, 350],
  ['CN', 'China', 35.9, 104.2, 2600],
  ['HK', 'Hong Kong', 22.3, 114.2, 30],
  ['TW', 'Taiwan', 23.7, 121.0, 200],
  ['KR', 'South Korea', 35.9, 127.8, 300],
  ['KP', 'North Korea', 40.3, 127.5, 300],
  ['JP', 'Japan', 36.2, 138.3, 1500],
  ['VN', 'Vietnam', 14.1, 108.3, 800],
  ['TH', 'Thailand', 15.9, 100.9, 800],
  ['MY', 'Malaysia', 4.2, 102.0, 1000],
  ['SG', 'Singapore', 1.35, 103.8, 30],
  ['ID', 'Indonesia', -0.8, 113.9, 2600],
  ['PH', 'Philippines', 12.9, 121.8, 900],
  ['AU', 'Australia', -25.3, 133.8, 2000],
  ['NZ', 'New Zealand', -40.9, 174.9, 800],
];

export interface Place {
  lat: number;
  lon: number;
  reachKm: number;
}

const BY_NAME = new Map<string, Place>();
for (const [code, name, lat, lon, reachKm] of CENTRES) {
  BY_NAME.set(code.toLowerCase(), { lat, lon, reachKm });
  BY_NAME.set(name.toLowerCase(), { lat, lon, reachKm });
}

/** A country's approximate centre and reach, by ISO code or English name; undefined if unknown. */
export function countryPlace(country: string): Place | undefined {
  return BY_NAME.get(country.trim().toLowerCase());
}

/** The least distance (km) between a point of one country and a point of the other, as far as centres and reaches tell. */
export function leastDistanceKm(a: Place, b: Place): number {
  return Math.max(0, distanceKm([a.lat, a.lon], [b.lat, b.lon]) - a.reachKm - b.reachKm);
}

/** Great-circle distance in km (haversine). */
export function distanceKm([lat1, lon1]: readonly [number, number], [lat2, lon2]: readonly [number, number]): number {
  const rad = Math.PI / 180;
  const a =
    Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(a)));
}
