import { verify } from 'otplib';

/**
 * The one authenticator-app matcher (RFC 6238 via otplib; issue 19: it was written three times): a 6-digit answer
 * (spaces ignored) checked against the secret with one 30-second step of drift either way, and only after the last
 * step accepted (a code is single use, R7). Gives the matched time step, to be claimed by the caller.
 */
export async function matchTotp(
  secret: string,
  answer: string,
  now: Date,
  afterStep: number | null,
): Promise<number | undefined> {
  const token = answer.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return undefined;
  const result = await verify({
    secret,
    token,
    epoch: Math.floor(now.getTime() / 1000),
    epochTolerance: 30,
    ...(afterStep !== null ? { afterTimeStep: afterStep } : {}),
  });
  // otplib's TOTP result carries the matched time step (its shared result type does not say so).
  return result.valid ? (result as { timeStep?: number }).timeStep : undefined;
}
