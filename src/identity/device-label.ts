import Bowser from 'bowser';
import { describePlace } from '../infra/geo/country-of-address.js';
import type { Translate } from '../infra/i18n/i18n.js';

/** "Chrome en Android" from a user agent; whatever the parser does not recognise is left out (R8, R28). */
export function describeDevice(t: Translate, userAgent: string | null): string {
  // bowser (MIT, maintained): ua-parser-js 1.x is no longer maintained under that licence (issue 18).
  const { browser, os } = userAgent
    ? Bowser.parse(userAgent)
    : { browser: { name: undefined }, os: { name: undefined } };
  if (browser.name && os.name) return t('security.device.both', { browser: browser.name, os: os.name });
  return browser.name ?? os.name ?? t('security.device.unknown');
}

/** Where a sign-in came from, in the reader's language (R28): a country, else the network, else "unknown". */
export function placeText(t: Translate, lang: string, ip: string | null): string {
  const place = describePlace(ip, lang);
  if (!place) return t('awareness.place.unknown');
  return 'country' in place ? place.country : t('awareness.place.network', { network: place.network });
}
