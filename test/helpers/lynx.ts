import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

// A text-mode browser driven the way a person drives it (R21): Debian's lynx in a tmux session, keys sent with
// send-keys, the screen read with capture-pane. Lynx runs no script, keeps its cookies in memory for the session,
// and moves through links and form fields in document order with the Down key; its status line says what is
// focused ("(Textfield …)", "(Password entry field)", "(Form submit button)"), which is what the helper steers by.

export function lynxUnavailable(): string | undefined {
  for (const tool of ['lynx', 'tmux']) {
    if (spawnSync('which', [tool]).status !== 0)
      return `${tool} is not installed (apt-get install lynx tmux); text-browser tests skipped`;
  }
  return undefined;
}

const FIELD = /^\((Textfield|Password entry field|Text entry field)/;
const SUBMIT = /^\(Form submit button\)/;

export class Lynx {
  private constructor(private readonly session: string) {}

  /** Lynx on `url`, accepting cookies without asking, in a 120×60 terminal. */
  static async open(url: string): Promise<Lynx> {
    const session = `lynx-${randomBytes(4).toString('hex')}`;
    execFileSync('tmux', [
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '120',
      '-y',
      '60',
      `lynx -accept_all_cookies -nopause -noreferer '${url}'`,
    ]);
    const lynx = new Lynx(session);
    await lynx.settle();
    return lynx;
  }

  screen(): string {
    return execFileSync('tmux', ['capture-pane', '-p', '-t', this.session], { encoding: 'utf8' });
  }

  /** The status line: what the focused link or field is. */
  status(): string {
    const lines = this.screen().trimEnd().split('\n');
    return (lines.at(-3) ?? '').trim();
  }

  private keys(...keys: string[]): void {
    execFileSync('tmux', ['send-keys', '-t', this.session, ...keys]);
  }

  private literal(text: string): void {
    execFileSync('tmux', ['send-keys', '-t', this.session, '-l', text]);
  }

  /** Waits until the screen stops changing; says yes when lynx asks whether to show an error status's page. */
  async settle(): Promise<void> {
    let last = '';
    for (let i = 0; i < 100; i++) {
      await sleep(100);
      const now = this.screen();
      if (/Show the \d{3} message body\? \(y\/n\)/.test(now)) {
        this.keys('y');
        last = '';
        continue;
      }
      // lynx's status line (a few lines from the bottom, above its key help) says when a request is still out: a
      // slow answer (a password hashed under load) must not read as a page that stopped changing.
      const status = now.split('\n').slice(-5).join('\n');
      if (
        now === last &&
        !/Getting|Loading|Connecting|Sending|HTTP request sent|waiting for response|Data transfer/.test(status)
      )
        return;
      last = now;
    }
  }

  async goto(url: string): Promise<void> {
    this.keys('g');
    await sleep(100);
    this.keys('C-u');
    this.literal(url);
    this.keys('Enter');
    await this.settle();
  }

  /** Where lynx's cursor is: it sits on the focused link or field, and moves with every key lynx has handled. */
  private cursor(): string {
    return execFileSync('tmux', ['display-message', '-p', '-t', this.session, '#{cursor_x},#{cursor_y}'], {
      encoding: 'utf8',
    }).trim();
  }

  /** Waits until lynx has handled every key sent: the cursor and the screen are the same on two reads in a row. */
  private async quiet(): Promise<void> {
    let last = '';
    for (let i = 0; i < 50; i++) {
      await sleep(50);
      const now = `${this.cursor()}\n${this.screen()}`;
      if (now === last) return;
      last = now;
    }
  }

  /**
   * Moves down until the status line matches, at most `max` stops. Each step waits for lynx to have moved (under
   * load a status line read too early still names the field just typed into, and the next value went there too).
   */
  private async downTo(pattern: RegExp, max = 40): Promise<void> {
    await this.quiet();
    for (let i = 0; i < max; i++) {
      const before = `${this.cursor()}\n${this.screen()}`;
      this.keys('Down');
      for (let w = 0; w < 60 && `${this.cursor()}\n${this.screen()}` === before; w++) await sleep(50);
      await this.quiet();
      if (pattern.test(this.status())) return;
    }
    throw new Error(`lynx: nothing matching ${pattern} below; screen:\n${this.screen()}`);
  }

  /**
   * From the top of the page: types each value into the next text or password field (an empty value passes a field
   * by, e.g. a read-only username kept for password managers), then presses the next button.
   */
  async fillAndSubmit(values: string[]): Promise<void> {
    this.keys('Home');
    await this.quiet();
    for (const value of values) {
      await this.downTo(FIELD);
      if (value) this.literal(value);
    }
    await this.downTo(SUBMIT);
    this.keys('Enter');
    await this.settle();
  }

  /** From the top of the page: presses the `nth` button (1 is the first), past every field and link before it. */
  async pressButton(nth: number): Promise<void> {
    this.keys('Home');
    await this.quiet();
    for (let i = 0; i < nth; i++) await this.downTo(SUBMIT);
    this.keys('Enter');
    await this.settle();
  }

  close(): void {
    spawnSync('tmux', ['kill-session', '-t', this.session]);
  }
}
