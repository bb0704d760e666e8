import type { Transport } from './transport.js';

/** How long a POST may take before it counts as a failed attempt; well under the dispatcher's lease (R25). */
export const SMS_TIMEOUT_MS = 15_000;

/**
 * SMS through the gateway's webhook: each message is POSTed as JSON `{to, text}`; any 2xx means accepted (PRODUCT §4).
 * A POST that times out may still have been taken by the gateway, and the retry would send the SMS again: the
 * `Idempotency-Key` header (the outbox row's id, the same on every retry) lets the gateway drop the repeat (R25).
 */
export function smsWebhookTransport(url: string, timeoutMs = SMS_TIMEOUT_MS): Transport {
  return {
    name: 'sms-webhook',
    async send(message) {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': `outbox-${message.id}-${message.created_at}`,
        },
        body: JSON.stringify({ to: message.recipient, text: message.body_text }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body?.cancel();
      if (res.status < 200 || res.status > 299) throw new Error(`SMS gateway answered ${res.status}`);
    },
  };
}
