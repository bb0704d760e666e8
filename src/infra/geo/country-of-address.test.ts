import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countryName, countryOf, describePlace, isSpecialAddress, networkOf } from './country-of-address.js';

// R28: the approximate place of a sign-in, from the bundled CC0 table; no third-party lookup. The public ranges below
// are long-standing registry allocations (Telefónica de España, Google, Cloudflare/APNIC, Jazztel/Orange), so a table
// update does not move them.

test('public IPv4 addresses get their country', () => {
  assert.equal(countryOf('80.58.61.250'), 'ES'); // 80.58.0.0/15, Telefónica de España
  assert.equal(countryOf('2.136.0.1'), 'ES'); // 2.136.0.0/13, Telefónica de España
  assert.equal(countryOf('8.8.8.8'), 'US');
  assert.equal(countryOf('81.2.69.142'), 'GB');
  assert.equal(countryOf('1.1.1.1'), 'AU');
  // Ends of a range are in it.
  assert.equal(countryOf('80.58.0.0'), 'ES');
  assert.equal(countryOf('80.59.255.255'), 'ES');
});

test('public IPv6 addresses get their country, and IPv4-mapped ones are read as IPv4', () => {
  assert.equal(countryOf('2a02:9000::1'), 'ES'); // 2a02:9000::/23, Telefónica de España
  assert.equal(countryOf('2001:4860:4860::8888'), 'US');
  assert.equal(countryOf('::ffff:80.58.61.250'), 'ES');
});

test('private, loopback, documentation and malformed addresses have no country (even where the table names one)', () => {
  // The table gives 192.168.0.0/16 to AU: the special ranges are checked first.
  for (const ip of [
    '10.1.2.3',
    '127.0.0.1',
    '192.168.1.1',
    '172.16.5.4',
    '100.64.0.1',
    '169.254.1.1',
    '203.0.113.7',
    '198.51.100.10',
    '::1',
    'fe80::1',
    'fd00::1',
    '2001:db8::1',
    '::ffff:10.0.0.1',
    'not-an-address',
    '',
    '999.1.1.1',
  ]) {
    assert.equal(countryOf(ip), undefined, ip);
  }
  assert.equal(countryOf(null), undefined);
  assert.equal(isSpecialAddress('192.168.1.1'), true);
  assert.equal(isSpecialAddress('80.58.61.250'), false);
});

test('without a country, the network is shown: the /24 of IPv4, the /48 of IPv6', () => {
  assert.equal(networkOf('203.0.113.7'), '203.0.113.x');
  assert.equal(networkOf('::ffff:10.0.0.1'), '10.0.0.x');
  assert.equal(networkOf('2001:db8:1:2::5'), '2001:db8:1::/48');
  assert.equal(networkOf('2001:db8::5'), '2001:db8::/48');
  assert.equal(networkOf('garbage'), undefined);
  assert.deepEqual(describePlace('203.0.113.7', 'es'), { network: '203.0.113.x' });
  assert.deepEqual(describePlace(null, 'es'), undefined);
});

test('the country is named in the member’s language', () => {
  assert.equal(countryName('ES', 'es'), 'España');
  assert.equal(countryName('ES', 'en'), 'Spain');
  assert.deepEqual(describePlace('81.2.69.142', 'es'), { country: 'Reino Unido' });
  assert.deepEqual(describePlace('81.2.69.142', 'en'), { country: 'United Kingdom' });
});
