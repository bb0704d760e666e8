import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldForSearch, memberSearchName, searchWords } from './search-text.js';

// R23: agents search names case- and accent-insensitively.

test('folds accents, case and punctuation away', () => {
  assert.equal(foldForSearch('  MUÑOZ-García,  José '), 'munoz garcia jose');
  assert.equal(foldForSearch('Çelik Ågren Øster'), 'celik agren øster');
  assert.equal(foldForSearch('ﬁlo'), 'filo', 'compatibility ligatures decompose');
  assert.equal(foldForSearch('!!! --- ...'), '');
});

test('the member key puts surnames first and splits into unique words', () => {
  assert.equal(memberSearchName('José Luis', 'Muñoz Muñoz'), 'munoz munoz jose luis');
  assert.deepEqual(searchWords('munoz munoz jose luis'), ['munoz', 'jose', 'luis']);
});
