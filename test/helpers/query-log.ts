import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

const TABLE =
  /"kind":"SchemableIdentifierNode",(?:"schema":\{"kind":"IdentifierNode","name":"\w+"\},)?"identifier":\{"kind":"IdentifierNode","name":"(\w+)"/;

/**
 * A Kysely plugin that writes down each statement the app sends, as "kind table" (e.g. "insert outbox"): the work a
 * request does, which the abuse suite compares between an existing and a missing account instead of timing them.
 */
export class QueryLog implements KyselyPlugin {
  private entries: string[] = [];

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    const table = TABLE.exec(JSON.stringify(node))?.[1] ?? '-';
    this.entries.push(`${node.kind.replace(/QueryNode$|Node$/, '').toLowerCase()} ${table}`);
    return node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }

  /** The statements since the last take(), and a fresh start. */
  take(): string[] {
    const taken = this.entries;
    this.entries = [];
    return taken;
  }
}
