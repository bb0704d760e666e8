import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_FILE_NAME, safeFileName } from './file-name.js';

// STYLE habit 20, R31: a file's display name has no path, no invisible characters, and the extension of its bytes.

test('path tricks keep only the last segment', () => {
  assert.equal(safeFileName('../../etc/passwd', 'pdf'), 'passwd.pdf');
  assert.equal(safeFileName('..\\..\\windows\\win.ini', 'pdf'), 'win.ini.pdf');
  assert.equal(safeFileName('C:\\Users\\ana\\factura.pdf', 'pdf'), 'factura.pdf');
  assert.equal(safeFileName('../', 'pdf'), 'document.pdf');
  assert.equal(safeFileName('..', 'png'), 'document.png');
});

test('a right-to-left override cannot disguise an extension; control characters go', () => {
  assert.equal(safeFileName('\u202Egpj.exe', 'jpg'), 'gpj.exe.jpg');
  assert.equal(safeFileName('factura\u202Efdp.exe', 'pdf'), 'facturafdp.exe.pdf');
  assert.equal(safeFileName('fac\u0000tu\u0007ra\r\n.pdf', 'pdf'), 'factura.pdf');
  assert.equal(safeFileName('a\u2066b\u2069c\u200Bd\uFEFF.png', 'png'), 'abcd.png');
  assert.equal(safeFileName('a<b>c:d"e|f?g*h.pdf', 'pdf'), 'a_b_c_d_e_f_g_h.pdf');
  assert.equal(safeFileName('con', 'pdf'), '_con.pdf');
});

test('the extension is the one the bytes say', () => {
  assert.equal(safeFileName('photo.PNG', 'jpg'), 'photo.jpg');
  assert.equal(safeFileName('receta.jpeg', 'jpg'), 'receta.jpg');
  assert.equal(safeFileName('Informe médico.pdf', 'pdf'), 'Informe médico.pdf');
});

test('over-long names are cut, by characters, keeping the extension', () => {
  const name = safeFileName(`${'😀'.repeat(300)}.pdf`, 'pdf');
  assert.equal([...name].length, MAX_FILE_NAME);
  assert.ok(name.endsWith('😀.pdf'), 'no surrogate half left');
  assert.equal(safeFileName('x'.repeat(5000), 'png').length, MAX_FILE_NAME);
});
