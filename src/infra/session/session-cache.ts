import type {
  Kysely,
  KyselyPlugin,
  OperationNode,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { OBSERVES_ONLY } from '../db/compiled-query.js';
import type { Database } from '../db/tables.js';

// Issue 32, lever 5: every signed-in request read its session row (joined to the account's status) so that a session
// ended on any node is refused at once on every node. This keeps the rows of live sessions in memory, per node, and
// forgets them the moment anything could have changed them:
// - on this node, a Kysely plugin sees every UPDATE/DELETE of `sessions` and every change of `accounts.status`
//   before and after it runs, and forgets everything (a read under way when it ran is not kept either);
// - across nodes (PostgreSQL), triggers (migration 0024) NOTIFY the account's id at commit, whoever wrote the row
//   (any node, a command, an operator's SQL); each node LISTENs on a connection of its own and forgets the account's
//   sessions. While that connection is down (or not yet listening, or silent past its heartbeat) the cache is off:
//   every request reads its row, as before.
// SQLite keeps none (`serve`, main.ts): its read costs no round trip, and a cache there measured no gain.
// Only a live session is ever kept, and a hit is checked against its deadlines as a read would be; anything but a
// live answer (ended, past a deadline, account not active) and every sliding update go to the database.

/** The columns a request's own sliding update writes (R8): a change of these alone changes no decision. */
const TOUCH_COLUMNS = new Set(['last_seen_at', 'idle_expires_at']);
const MAX_ENTRIES = 10_000;

export interface SessionCache<Row> {
  /** The generation to pass back to `put` when the read is done: a change meanwhile makes `put` keep nothing. */
  readonly generation: number;
  get(tokenHash: string): Row | undefined;
  put(tokenHash: string, accountId: number, row: Row, generation: number): void;
  /** Forgets every kept session of an account (a notification from any node). */
  forgetAccount(accountId: number): void;
  /** Forgets everything; reads under way are not kept. */
  clear(): void;
  /** Off (nothing served, nothing kept) until `enable`: while the cross-node listener is down. */
  disable(): void;
  enable(): void;
  readonly enabled: boolean;
  /** Installed on the node's Kysely: forgets everything around any statement that could change a kept row. */
  readonly plugin: KyselyPlugin;
  /** How many statements that could change a kept row this node has run (a request compares before and after). */
  readonly changes: number;
  /**
   * Resolves once every node listening has heard of every change committed so far (PostgreSQL; set by the listener).
   * A request that changed sessions answers only then, so the member's next request finds them gone on any node.
   */
  settle(): Promise<void>;
  /** @internal The listener's way of settling. */
  settler?: () => Promise<void>;
}

export function createSessionCache<Row>(options: { enabled?: boolean; maxEntries?: number } = {}): SessionCache<Row> {
  const max = options.maxEntries ?? MAX_ENTRIES;
  const entries = new Map<string, { accountId: number; row: Row }>();
  const byAccount = new Map<number, Set<string>>();
  let generation = 0;
  let enabled = options.enabled ?? true;
  let changes = 0;
  const pending = new WeakSet<object>();

  const drop = (hash: string) => {
    const entry = entries.get(hash);
    if (!entry) return;
    entries.delete(hash);
    const hashes = byAccount.get(entry.accountId);
    hashes?.delete(hash);
    if (hashes?.size === 0) byAccount.delete(entry.accountId);
  };
  const clear = () => {
    generation++;
    entries.clear();
    byAccount.clear();
  };

  const plugin: KyselyPlugin & { [OBSERVES_ONLY]: true } = {
    [OBSERVES_ONLY]: true,
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      if (changesSessions(args.node)) {
        pending.add(args.queryId);
        changes++;
        clear();
      }
      return args.node;
    },
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      // Again once it ran: a read that began before the statement and ended after it is not kept.
      if (pending.has(args.queryId)) clear();
      return args.result;
    },
  };

  const cache: SessionCache<Row> = {
    get generation() {
      return generation;
    },
    get changes() {
      return changes;
    },
    settle() {
      return cache.settler?.() ?? Promise.resolve();
    },
    get enabled() {
      return enabled;
    },
    get(hash) {
      if (!enabled) return undefined;
      return entries.get(hash)?.row;
    },
    put(hash, accountId, row, gen) {
      if (!enabled || gen !== generation) return;
      drop(hash);
      if (entries.size >= max) drop(entries.keys().next().value!);
      entries.set(hash, { accountId, row });
      let hashes = byAccount.get(accountId);
      if (!hashes) byAccount.set(accountId, (hashes = new Set()));
      hashes.add(hash);
    },
    forgetAccount(accountId) {
      generation++;
      for (const hash of byAccount.get(accountId) ?? []) drop(hash);
    },
    clear,
    disable() {
      enabled = false;
      clear();
    },
    enable() {
      clear();
      enabled = true;
    },
    plugin,
  };
  return cache;
}

/** The database with the cache's plugin on its Kysely (once): every write through it forgets what it could change. */
export function withSessionCache<D extends { kysely: Kysely<Database> }>(db: D, cache: SessionCache<unknown>): D {
  if (db.kysely.getExecutor().plugins.includes(cache.plugin)) return db;
  return { ...db, kysely: db.kysely.withPlugin(cache.plugin) };
}

function tableName(node: OperationNode | undefined): string | undefined {
  if (!node) return undefined;
  if (node.kind === 'AliasNode') return tableName((node as unknown as { node: OperationNode }).node);
  if (node.kind === 'TableNode')
    return (node as unknown as { table: { identifier: { name: string } } }).table.identifier.name;
  return undefined;
}

/** Whether a statement may end a session, change what a session row says, or change an account's status. */
export function changesSessions(node: OperationNode): boolean {
  switch (node.kind) {
    case 'UpdateQueryNode': {
      const update = node as unknown as {
        table?: OperationNode;
        updates?: readonly { column: OperationNode }[];
        with?: OperationNode;
      };
      const table = tableName(update.table);
      const columns = (update.updates ?? []).map((u) =>
        u.column.kind === 'ColumnNode' ? (u.column as unknown as { column: { name: string } }).column.name : '?',
      );
      if (table === undefined || table === 'sessions') {
        // The sliding update sets exactly these two (session.ts keeps its own copy up to date).
        if (table === 'sessions' && columns.length === TOUCH_COLUMNS.size && columns.every((c) => TOUCH_COLUMNS.has(c)))
          break;
        return true;
      }
      if (table === 'accounts' && columns.some((c) => c === 'status' || c === 'id' || c === '?')) return true;
      break;
    }
    case 'DeleteQueryNode': {
      const froms = (node as unknown as { from: { froms: readonly OperationNode[] } }).from.froms;
      if (froms.some((f) => ['sessions', 'accounts', undefined].includes(tableName(f)))) return true;
      break;
    }
    case 'RawNode': {
      const text = (node as unknown as { sqlFragments: readonly string[] }).sqlFragments.join(' ').toLowerCase();
      return /\b(update|delete|truncate)\b/.test(text) && /\b(sessions|accounts)\b/.test(text);
    }
    default:
      break;
  }
  const withNode = (node as unknown as { with?: { expressions: readonly { expression: OperationNode }[] } }).with;
  return withNode?.expressions.some((e) => changesSessions(e.expression)) ?? false;
}

/** The channel a schema's session triggers notify (migration 0024): one per schema, so tenants and tests stay apart. */
export function sessionChannel(schema: string): string {
  return `session_changes_${schema}`;
}

export interface SessionListener {
  /** Resolves once listening (or rejects if the first attempt failed; it keeps trying meanwhile). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * PostgreSQL: one connection per node LISTENing for the session triggers' notifications. The cache is on only while
 * this connection is known to be alive: it is turned off on any error or end, when a heartbeat gets no answer within
 * `heartbeatTimeoutMs`, and turned on again (empty) only once LISTEN has succeeded on a new connection.
 */
export function listenForSessionChanges(
  cache: Pick<SessionCache<unknown>, 'forgetAccount' | 'clear' | 'disable' | 'enable' | 'settler'>,
  connection: { connectionString: string; schema?: string },
  options: { heartbeatMs?: number; heartbeatTimeoutMs?: number; retryMs?: number; settleTimeoutMs?: number } = {},
): SessionListener {
  const settleTimeoutMs = options.settleTimeoutMs ?? 1_000;
  const listenerId = randomUUID();
  let listening: { client: pg.Client; changes: string; acks: string; name: string } | undefined;
  /** Settles under way: the sync token, the listeners that acknowledged it, how many to wait for. */
  const waiting = new Map<string, { acked: Set<string>; expected: number; done: () => void }>();
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 2_000;
  const retryMs = options.retryMs ?? 1_000;
  let closed = false;
  let client: pg.Client | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  let firstResolve!: () => void;
  let firstReject!: (err: unknown) => void;
  let settled = false;
  const ready = new Promise<void>((resolve, reject) => {
    firstResolve = resolve;
    firstReject = reject;
  });
  ready.catch(() => {});

  const down = (c: pg.Client) => {
    if (client !== c) return;
    cache.disable();
    listening = undefined;
    client = undefined;
    clearInterval(heartbeat);
    c.removeAllListeners('notification');
    c.end().catch(() => {});
    if (!closed) (retry = setTimeout(() => void connect(), retryMs)).unref();
  };

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({
      connectionString: connection.connectionString,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
      ...(connection.schema ? { options: `-c search_path=${connection.schema}` } : {}),
    });
    client = c;
    c.on('error', () => down(c));
    c.on('end', () => down(c));
    let channels: { changes: string; acks: string } | undefined;
    c.on('notification', (message) => {
      const payload = message.payload ?? '';
      if (channels && message.channel === channels.acks) {
        const [id, token] = payload.split(' ');
        const waiter = waiting.get(token ?? '');
        if (waiter && id) {
          waiter.acked.add(id);
          if (waiter.acked.size >= waiter.expected) waiter.done();
        }
        return;
      }
      if (payload.startsWith('sync ')) {
        // Notifications reach each listener in commit order: every change before this sync is forgotten by now.
        if (channels)
          c.query('select pg_notify($1, $2)', [channels.acks, `${listenerId} ${payload.slice(5)}`]).catch(() =>
            down(c),
          );
        return;
      }
      const accountId = Number(payload);
      // Anything but an account id (a hand-sent NOTIFY): forget everything rather than guess.
      if (Number.isSafeInteger(accountId)) cache.forgetAccount(accountId);
      else cache.clear();
    });
    try {
      await c.connect();
      const schema = (await c.query<{ schema: string }>('select current_schema() as schema')).rows[0]!.schema;
      const changes = sessionChannel(schema);
      const acks = `session_acks_${schema}`;
      const name = `session-listener ${schema}`.slice(0, 63);
      channels = { changes, acks };
      await c.query(`set application_name = '${name.replaceAll("'", "''")}'`);
      await c.query(`listen "${changes.replaceAll('"', '""')}"`);
      await c.query(`listen "${acks.replaceAll('"', '""')}"`);
      if (client !== c || closed) return;
      listening = { client: c, changes, acks, name };
      cache.enable();
      heartbeat = setInterval(() => {
        const timer = setTimeout(() => down(c), heartbeatTimeoutMs);
        timer.unref();
        c.query('select 1').then(
          () => clearTimeout(timer),
          () => {
            clearTimeout(timer);
            down(c);
          },
        );
      }, heartbeatMs);
      heartbeat.unref();
      if (!settled) {
        settled = true;
        firstResolve();
      }
    } catch (err) {
      if (!settled) {
        settled = true;
        firstReject(err);
      }
      down(c);
    }
  };
  void connect();

  // A sync token through the changes channel, after everything this node committed; each listening node answers it
  // once it has forgotten what came before. Waits for as many answers as there are listeners (bounded in time: a node
  // that cannot answer is one whose own connection is failing, and it stops using its memory at its heartbeat).
  cache.settler = async () => {
    const now = listening;
    if (!now) return;
    const token = randomUUID();
    let done!: () => void;
    const settled = new Promise<void>((resolve) => (done = resolve));
    const waiter = { acked: new Set<string>(), expected: Number.POSITIVE_INFINITY, done };
    waiting.set(token, waiter);
    const timer = setTimeout(done, settleTimeoutMs);
    try {
      const { rows } = await now.client.query<{ n: string | number }>(
        `select count(*) as n from pg_stat_activity where application_name = $1 and datname = current_database()`,
        [now.name],
      );
      waiter.expected = Number(rows[0]!.n);
      if (waiter.acked.size >= waiter.expected) done();
      await now.client.query('select pg_notify($1, $2)', [now.changes, `sync ${token}`]);
      await settled;
    } catch {
      // The connection failed: this node's memory is off already (down), the others settle by their notifications.
    } finally {
      clearTimeout(timer);
      waiting.delete(token);
    }
  };

  return {
    ready,
    async close() {
      closed = true;
      clearTimeout(retry);
      clearInterval(heartbeat);
      cache.disable();
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
