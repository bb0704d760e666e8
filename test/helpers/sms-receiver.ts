import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSms {
  to: string;
  text: string;
}

export interface SmsReceiverOptions {
  /**
   * Answer a repeated Idempotency-Key with success without keeping the message again, as gateways that support it do.
   */
  honourIdempotencyKey?: boolean;
}

export interface SmsReceiver {
  url: string;
  messages: ReceivedSms[];
  /** Answer every request with this status (null: accept again). */
  failWith(status: number | null): void;
  /** The next `count` requests get `status`, or (with 'hang') no answer at all; later ones are accepted again. */
  failNext(count: number, fault: number | 'hang'): void;
  /** Requests that were made to fail so far. */
  faults(): number;
  /** Requests whose Idempotency-Key had been accepted before (answered 202, not kept again). */
  repeats(): number;
  close(): Promise<void>;
}

/**
 * A stand-in SMS gateway on loopback: records each POSTed `{to, text}`; can be told to answer with an error or not at
 * all.
 */
export async function startSmsReceiver(options: SmsReceiverOptions = {}): Promise<SmsReceiver> {
  const messages: ReceivedSms[] = [];
  let failure: number | null = null;
  let pending = 0;
  let fault: number | 'hang' = 500;
  let injected = 0;
  let repeated = 0;
  const keys = new Set<string>();
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (pending > 0) {
        pending--;
        injected++;
        // A gateway that hangs never answers and never keeps the message.
        if (fault === 'hang') hanging.add(res);
        else res.writeHead(fault).end();
        return;
      }
      if (failure) {
        res.writeHead(failure).end();
        return;
      }
      const key = req.headers['idempotency-key'];
      if (options.honourIdempotencyKey && typeof key === 'string' && keys.has(key)) {
        repeated++;
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}');
        return;
      }
      try {
        const parsed = JSON.parse(body) as ReceivedSms;
        if (typeof key === 'string') keys.add(key);
        messages.push({ to: parsed.to, text: parsed.text });
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sms`,
    messages,
    failWith: (status) => (failure = status),
    failNext(count, f) {
      pending = count;
      fault = f;
    },
    faults: () => injected,
    repeats: () => repeated,
    close: () =>
      new Promise((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
