import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BlockList, isIPv4, isIPv6 } from 'node:net';

// R28: the approximate place of a sign-in, from the client address, with no third party told of it. The table is
// the CC0 "geo-whois-asn-country" (ip-location-db, from the registries' WHOIS and ASN data): one country per address
// range, about 334,000 IPv4 and 216,000 IPv6 ranges. It is read on first use only (a node that never looks a place up
// holds nothing), each family separately, into typed arrays searched by bisection: ~3.3 MB for IPv4, ~7 MB for IPv6,
// instead of the ~100 MB the same rows take as JavaScript objects.

const PACKAGE = '@ip-location-db/geo-whois-asn-country';
const require = createRequire(import.meta.url);
const tableFile = (family: 'ipv4' | 'ipv6') => require.resolve(`${PACKAGE}/geo-whois-asn-country-${family}-num.csv`);

/**
 * Addresses that name no place: private, loopback, link-local, shared (CGNAT), documentation, multicast and reserved
 * ranges. Checked before the table, which maps some of them anyway (it gives 192.168.0.0/16 to AU).
 */
const SPECIAL = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
] as const)
  SPECIAL.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 127],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  SPECIAL.addSubnet(net, bits, 'ipv6');

/** An address as the table's family sees it: an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is IPv4. */
function normalise(ip: string): { family: 'ipv4' | 'ipv6'; address: string } | undefined {
  const trimmed = ip.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed)?.[1];
  if (mapped && isIPv4(mapped)) return { family: 'ipv4', address: mapped };
  if (isIPv4(trimmed)) return { family: 'ipv4', address: trimmed };
  // A zone index (fe80::1%eth0) names an interface, not a place.
  const bare = trimmed.replace(/%.*$/, '');
  if (isIPv6(bare)) return { family: 'ipv6', address: bare };
  return undefined;
}

/** Two ASCII letters in 16 bits. */
const packCode = (a: number, b: number) => (a << 8) | b;
const unpackCode = (n: number) => String.fromCharCode(n >> 8, n & 0xff);

interface V4Table {
  starts: Uint32Array;
  ends: Uint32Array;
  codes: Uint16Array;
}

interface V6Table {
  startHi: BigUint64Array;
  startLo: BigUint64Array;
  endHi: BigUint64Array;
  endLo: BigUint64Array;
  codes: Uint16Array;
}

/**
 * Calls `each` for every `start,end,CC` line of a table file, parsed from the bytes as they lie: no array of lines
 * or of row objects is ever held (that alone would cost ~100 MB of heap for a moment, and of RSS for good).
 */
function eachRow(bytes: Buffer, each: (i: number, start: string, end: string, code: number) => void): number {
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    let eol = bytes.indexOf(10, at);
    if (eol === -1) eol = bytes.length;
    const c1 = bytes.indexOf(44, at);
    const c2 = c1 === -1 ? -1 : bytes.indexOf(44, c1 + 1);
    if (c2 !== -1 && c2 < eol && eol - c2 >= 3) {
      each(
        i++,
        bytes.toString('latin1', at, c1),
        bytes.toString('latin1', c1 + 1, c2),
        packCode(bytes[c2 + 1]!, bytes[c2 + 2]!),
      );
    }
    at = eol + 1;
  }
  return i;
}

/** The number of lines of a file (an upper bound on its rows), to size the arrays before parsing. */
function lineCount(bytes: Buffer): number {
  let n = 1;
  for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) n++;
  return n;
}

function loadV4(): V4Table {
  const bytes = readFileSync(tableFile('ipv4'));
  const max = lineCount(bytes);
  const t: V4Table = { starts: new Uint32Array(max), ends: new Uint32Array(max), codes: new Uint16Array(max) };
  const n = eachRow(bytes, (i, start, end, code) => {
    t.starts[i] = Number(start);
    t.ends[i] = Number(end);
    t.codes[i] = code;
  });
  return { starts: t.starts.subarray(0, n), ends: t.ends.subarray(0, n), codes: t.codes.subarray(0, n) };
}

const LOW64 = (1n << 64n) - 1n;

function loadV6(): V6Table {
  const bytes = readFileSync(tableFile('ipv6'));
  const max = lineCount(bytes);
  const t: V6Table = {
    startHi: new BigUint64Array(max),
    startLo: new BigUint64Array(max),
    endHi: new BigUint64Array(max),
    endLo: new BigUint64Array(max),
    codes: new Uint16Array(max),
  };
  const n = eachRow(bytes, (i, startText, endText, code) => {
    const start = BigInt(startText);
    const end = BigInt(endText);
    t.startHi[i] = start >> 64n;
    t.startLo[i] = start & LOW64;
    t.endHi[i] = end >> 64n;
    t.endLo[i] = end & LOW64;
    t.codes[i] = code;
  });
  return {
    startHi: t.startHi.subarray(0, n),
    startLo: t.startLo.subarray(0, n),
    endHi: t.endHi.subarray(0, n),
    endLo: t.endLo.subarray(0, n),
    codes: t.codes.subarray(0, n),
  };
}

let v4: V4Table | undefined;
let v6: V6Table | undefined;

function v4Number(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** The 128-bit value of an IPv6 address (isIPv6 already said it is well formed), as two 64-bit halves. */
function v6Halves(address: string): [bigint, bigint] {
  let text = address;
  // An embedded IPv4 tail (::ffff:1.2.3.4 is handled earlier; 64:ff9b::1.2.3.4 and the like here).
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (tail) {
    const n = v4Number(tail);
    text = text.slice(0, -tail.length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const groups =
    rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(parseInt(g || '0', 16));
  return [value >> 64n, value & LOW64];
}

function searchV4(t: V4Table, n: number): number | undefined {
  let lo = 0;
  let hi = t.starts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (t.starts[mid]! <= n) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found >= 0 && n <= t.ends[found]! ? t.codes[found] : undefined;
}

const le = (aHi: bigint, aLo: bigint, bHi: bigint, bLo: bigint) => aHi < bHi || (aHi === bHi && aLo <= bLo);

function searchV6(t: V6Table, [xHi, xLo]: [bigint, bigint]): number | undefined {
  let lo = 0;
  let hi = t.startHi.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (le(t.startHi[mid]!, t.startLo[mid]!, xHi, xLo)) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found >= 0 && le(xHi, xLo, t.endHi[found]!, t.endLo[found]!) ? t.codes[found] : undefined;
}

/** True for an address that names no place (private, loopback, documentation…), or that is no address at all. */
export function isSpecialAddress(ip: string): boolean {
  const a = normalise(ip);
  return !a || SPECIAL.check(a.address, a.family);
}

/** R28: the ISO 3166-1 alpha-2 country of a public client address, from the bundled table; undefined when unknown. */
export function countryOf(ip: string | null | undefined): string | undefined {
  if (!ip) return undefined;
  const a = normalise(ip);
  if (!a || SPECIAL.check(a.address, a.family)) return undefined;
  const code =
    a.family === 'ipv4'
      ? searchV4((v4 ??= loadV4()), v4Number(a.address))
      : searchV6((v6 ??= loadV6()), v6Halves(a.address));
  const cc = code === undefined ? undefined : unpackCode(code);
  // The registries' "ZZ" and "EU" name no single country.
  return cc && /^[A-Z]{2}$/.test(cc) && cc !== 'ZZ' && cc !== 'EU' ? cc : undefined;
}

/**
 * The network an address belongs to, coarse enough to name no one: the /24 of an IPv4 address (`203.0.113.x`),
 * the /48 of an IPv6 one (`2001:db8:1::/48`). Shown where no country is known (R28).
 */
export function networkOf(ip: string | null | undefined): string | undefined {
  const a = ip ? normalise(ip) : undefined;
  if (!a) return undefined;
  if (a.family === 'ipv4') return `${a.address.split('.').slice(0, 3).join('.')}.x`;
  const [hi] = v6Halves(a.address);
  const groups = [Number((hi >> 48n) & 0xffffn), Number((hi >> 32n) & 0xffffn), Number((hi >> 16n) & 0xffffn)];
  while (groups.length > 1 && groups.at(-1) === 0) groups.pop();
  return `${groups.map((g) => g.toString(16)).join(':')}::/48`;
}

const regionNames = new Map<string, Intl.DisplayNames>();

/** A country's name in the member's language (Intl.DisplayNames, as the country options of R3 do). */
export function countryName(code: string, lang: string): string {
  let names = regionNames.get(lang);
  if (!names) regionNames.set(lang, (names = new Intl.DisplayNames([lang], { type: 'region' })));
  return names.of(code) ?? code;
}

/** Where a sign-in came from, for a member to read: the country, else the network, else nothing. */
export function describePlace(
  ip: string | null | undefined,
  lang: string,
): { country: string } | { network: string } | undefined {
  const cc = countryOf(ip);
  if (cc) return { country: countryName(cc, lang) };
  const network = networkOf(ip);
  return network ? { network } : undefined;
}
