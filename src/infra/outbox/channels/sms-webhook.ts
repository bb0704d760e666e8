import type { Transport } from './transport.js';

/** SMS through the gateway's webhook: each message is POSTed as JSON `{to, text}`; any 2xx means accepted (PRODUCT §4). */
export function smsWebhookTransport(url: string): Transport {
  return {
    name: 'sms-webhook',
    async send(message) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: message.recipient, text: message.body_text }),
        signal: AbortSignal.timeout(15_000),
      });
      await res.body?.cancel();
      if (res.status < 200 || res.status > 299) throw new Error(`SMS gateway answered ${res.status}`);
    },
  };
}
