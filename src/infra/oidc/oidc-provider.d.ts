// The parts of oidc-provider (panva, v9) this portal uses; the package ships no types and @types/oidc-provider is not
// among the dependencies. Kept to what is called, typed as the library's documentation describes it.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type AdapterPayload = Record<string, unknown> & {
    grantId?: string;
    uid?: string;
    accountId?: string;
    clientId?: string;
    consumed?: number;
  };

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface KoaContextLike {
    oidc: {
      route?: string;
      client?: ClientInstance;
      params?: Record<string, unknown>;
      session?: { accountId?: string };
      entities: Record<string, unknown>;
    };
    method: string;
    path: string;
    headers: Record<string, string | string[] | undefined>;
    body?: unknown;
    type?: string;
    status?: number;
    secure: boolean;
    get(name: string): string;
    set(name: string, value: string): void;
    req: IncomingMessage;
    res: ServerResponse;
  }

  export interface ClientInstance {
    clientId: string;
    clientName?: string;
    redirectUris: string[];
    postLogoutRedirectUris?: string[];
    scope?: string;
    backchannelLogoutUri?: string;
    backchannelLogout(sub: string, sid?: string): Promise<void>;
    [key: string]: unknown;
  }

  export interface InteractionDetails {
    uid: string;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    params: Record<string, unknown> & { client_id: string; scope?: string; redirect_uri?: string };
    session?: { accountId: string; uid: string; cookie: string };
    grantId?: string;
    lastSubmission?: Record<string, unknown>;
    returnTo: string;
  }

  export interface InteractionResults {
    login?: { accountId: string; acr?: string; amr?: string[]; remember?: boolean; ts?: number };
    consent?: { grantId?: string };
    error?: string;
    error_description?: string;
  }

  export class Grant {
    constructor(init: { accountId: string; clientId: string });
    static find(id: string): Promise<Grant | undefined>;
    jti: string;
    accountId: string;
    clientId: string;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(indicator: string, scope: string): void;
    getOIDCScope(): string;
    save(): Promise<string>;
    destroy(): Promise<void>;
  }

  export interface Configuration {
    [key: string]: unknown;
  }

  export class Provider {
    constructor(issuer: string, configuration: Configuration);
    proxy: boolean;
    issuer: string;
    Grant: typeof Grant;
    RefreshToken: new (init: Record<string, unknown>) => { save(): Promise<string> };
    Client: {
      find(id: string): Promise<ClientInstance | undefined>;
      validate(metadata: Record<string, unknown>): Promise<void>;
    };
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: (ctx: KoaContextLike, next: () => Promise<void>) => Promise<void>): void;
    on(event: string, listener: (...args: unknown[]) => void): void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionResult(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<string>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
  }

  export interface PolicyCheckContext extends KoaContextLike {
    oidc: KoaContextLike['oidc'] & { result?: { login?: unknown; consent?: unknown } };
  }

  export class Check {
    constructor(
      reason: string,
      description: string,
      check: (ctx: PolicyCheckContext) => boolean | Promise<boolean>,
      details?: (ctx: PolicyCheckContext) => Record<string, unknown>,
    );
    static REQUEST_PROMPT: true;
    static NO_NEED_TO_PROMPT: false;
    reason: string;
  }

  export interface Prompt {
    name: string;
    checks: Check[] & { get(reason: string): Check | undefined; remove(reason: string): void };
  }

  export type Policy = Prompt[] & { get(name: string): Prompt | undefined; remove(name: string): void };

  export const interactionPolicy: { Check: typeof Check; base(): Policy };

  export const errors: {
    InvalidGrant: new (description?: string) => Error;
    SessionNotFound: new (description?: string) => Error;
    OIDCProviderError: new (status: number, message: string) => Error & { status: number; error: string };
  };

  export default Provider;
}
