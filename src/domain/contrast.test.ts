import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brandContrastProblems, contrastRatio } from './contrast.js';

test('contrast ratios match WCAG 2.1’s worked values (R37)', () => {
  assert.equal(contrastRatio('#000000', '#ffffff').toFixed(2), '21.00');
  assert.equal(contrastRatio('#ffffff', '#ffffff').toFixed(2), '1.00');
  // #767676 on white is the classic lightest grey that passes AA.
  assert.equal(contrastRatio('#767676', '#ffffff').toFixed(2), '4.54');
  assert.equal(contrastRatio('#777777', '#ffffff').toFixed(2), '4.48');
  assert.equal(contrastRatio('#0b5394', '#ffffff'), contrastRatio('#ffffff', '#0b5394'), 'order does not matter');
});

test('a brand whose text colours pass AA has no problems; each failing colour is named (R37)', () => {
  assert.deepEqual(brandContrastProblems({ primary: '#0b5394', primaryText: '#ffffff', accent: '#0a7d5a' }), []);
  const light = brandContrastProblems({ primary: '#0b5394', primaryText: '#6fa8dc', accent: '#0a7d5a' });
  assert.equal(light.length, 1);
  assert.match(light[0]!, /^colors\.primaryText #6fa8dc and colors\.primary #0b5394 have a contrast of 3\.10:1/);
  const pale = brandContrastProblems({ primary: '#ffd966', primaryText: '#000000', accent: '#ffe599' });
  assert.deepEqual(
    pale.map((p) => p.split(' ')[0]),
    ['colors.primary', 'colors.accent'],
    'a pale primary fails as link text on white, a pale accent under white text',
  );
  assert.match(pale[1]!, /#ffe599/);
});
