import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

// Issue 18: the systemd unit an operator installs is checked by systemd itself (systemd-analyze verify): every
// directive known, every section right. The unit names /usr/bin/node; the check runs it against this machine's node.

const UNIT = join(import.meta.dirname, '..', '..', 'deploy', 'systemd', 'member-area.service');
const available = spawnSync('systemd-analyze', ['--version']).status === 0;

function verify(text: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'unit-'));
  const file = join(dir, 'member-area.service');
  writeFileSync(file, text.replaceAll('/usr/bin/node', process.execPath));
  const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

test(
  'the systemd unit passes systemd-analyze verify with no warning, and keeps its hardening',
  { skip: !available && !process.env.CI && 'systemd-analyze is not installed' },
  () => {
    const text = readFileSync(UNIT, 'utf8');
    const clean = verify(text);
    assert.equal(clean.status, 0, clean.output);
    assert.equal(clean.output, '', 'no warning at all');
    for (const line of [
      'User=member-area',
      'EnvironmentFile=/etc/member-area/member-area.env',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ReadWritePaths=/var/lib/member-area',
      'TimeoutStopSec=40s',
      'KillSignal=SIGTERM',
    ]) {
      assert.ok(text.split('\n').includes(line), line);
    }
    // The check is a real one: a misspelt directive is reported.
    assert.match(verify(text.replace('NoNewPrivileges=yes', 'NoNewPrivilegez=yes')).output, /Unknown key/);
  },
);
