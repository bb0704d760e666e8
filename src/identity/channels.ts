/** The second-step channels an account can have (R7): a code by email or SMS, or an authenticator app's code. */
export type Channel = 'email' | 'sms' | 'totp';
