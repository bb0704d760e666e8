import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSms {
  to: string;
  text: string;
}

/** A stand-in SMS gateway on loopback: records each POSTed `{to, text}`; can be told to answer with an error. */
export async function startSmsReceiver(): Promise<{ url: string; messages: ReceivedSms[]; failWith(status: number | null): void; close(): Promise<void> }> {
  const messages: ReceivedSms[] = [];
  let failure: number | null = null;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (failure) {
        res.writeHead(failure).end();
        return;
      }
      try {
        const parsed = JSON.parse(body) as ReceivedSms;
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
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
