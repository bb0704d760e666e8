import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** How the receiver misbehaves for the next sessions (fault injection, issue 9). */
export type SmtpFault =
  /** refuses the connection at once (554 on connect, then closes it) */
  | 'refuse'
  /** greets, then closes the connection when the client names its sender (421) */
  | 'drop'
  /** takes the whole message, then answers 451 (a temporary failure: the message is not kept) */
  | 'tempfail';

export interface SmtpReceiver {
  url: string;
  messages: ParsedMail[];
  /** The next `count` sessions fail in the given way; later ones are accepted again. */
  failNext(count: number, fault: SmtpFault): void;
  /** Sessions that were made to fail so far. */
  faults(): number;
  /** SMTP sessions (connections) opened so far. */
  sessions(): number;
  /** Each message is held this long before it is accepted: a slow mail server (issue 33). */
  slowDown(ms: number): void;
  /** Runs when a message has been kept, before the server answers 250 (a database cut at that moment, issue 33). */
  onAccept(hook: (() => Promise<void>) | undefined): void;
  close(): Promise<void>;
}

/** A real SMTP server on loopback that keeps every message it accepts, parsed (for round-trip tests). */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const messages: ParsedMail[] = [];
  let pending = 0;
  let mode: SmtpFault = 'refuse';
  let injected = 0;
  let sessions = 0;
  let delayMs = 0;
  const closed = new Set<string>();
  let acceptHook: (() => Promise<void>) | undefined;
  const take = (fault: SmtpFault): boolean => {
    if (pending > 0 && mode === fault) {
      pending--;
      injected++;
      return true;
    }
    return false;
  };
  const failure = (message: string, responseCode: number) => Object.assign(new Error(message), { responseCode });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      sessions++;
      callback(take('refuse') ? failure('Service not available', 554) : undefined);
    },
    onMailFrom(_address, _session, callback) {
      callback(take('drop') ? failure('Closing connection', 421) : undefined);
    },
    onClose(session) {
      closed.add(session.id);
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then(async (mail) => {
          if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
          // A sender gone before the answer never learnt the message was taken: like a server that had not yet
          // committed it, the receiver does not keep it.
          if (closed.has(session.id)) return callback(failure('Connection gone', 421));
          if (take('tempfail')) return callback(failure('Try again later', 451));
          messages.push(mail);
          await acceptHook?.();
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  // A sender that dies mid-session (a node the cluster test kills, with its pooled SMTP sessions open) resets its
  // connections; smtp-server reports that as an 'error' event, which must not end the test process. Like a real mail
  // server, the receiver carries on; the message it was taking is simply not kept.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    failNext(count, fault) {
      pending = count;
      mode = fault;
    },
    faults: () => injected,
    sessions: () => sessions,
    slowDown(ms) {
      delayMs = ms;
    },
    onAccept(hook) {
      acceptHook = hook;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
