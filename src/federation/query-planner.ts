import { FederationError } from './federation-error.js';
import type { FederatedQuerySpec, PartSpec, SourceAdapter } from './types.js';

/** A validated part, in execution order. */
export interface PlannedPart {
  /** Part name. */
  name: string;
  /** The part as given. */
  spec: PartSpec;
  /** The source's adapter. */
  adapter: SourceAdapter;
  /** Parts it waits for. */
  dependsOn: readonly string[];
}

/** A validated query: parts in an order where every part comes after what it depends on. */
export interface QueryPlan {
  /** Parts in dependency order. */
  parts: PlannedPart[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Validates a federated query against the registered sources and orders its parts by their
 * declared dependencies. Every problem is a {@link FederationError} naming the part.
 */
export class QueryPlanner {
  /** @param lookup - the registered source of a name, if any */
  constructor(private readonly lookup: (source: string) => SourceAdapter | undefined) {}

  /** Checks `spec` and returns its plan. */
  plan(spec: FederatedQuerySpec): QueryPlan {
    if (typeof spec !== 'object' || spec === null) throw new FederationError('INVALID_QUERY', 'a federated query must be an object');
    if (typeof spec.name !== 'string' || spec.name.trim() === '')
      throw new FederationError('INVALID_QUERY', 'a federated query needs a non-empty name');
    const entries = Object.entries(spec.parts ?? {});
    if (entries.length === 0) throw new FederationError('INVALID_QUERY', `query '${spec.name}' has no parts`);
    const byName = new Map<string, PlannedPart>();
    for (const [name, part] of entries) {
      // Part names become DuckDB table names in SQL merges: keep them plain identifiers.
      if (!NAME.test(name))
        throw new FederationError('INVALID_QUERY', 'a part name must be a letter or _ followed by letters, digits or _', { part: name });
      byName.set(name, this.checkPart(name, part));
    }
    for (const part of byName.values()) {
      for (const dep of part.dependsOn) {
        if (!byName.has(dep))
          throw new FederationError('UNKNOWN_DEPENDENCY', `depends on '${dep}', which is not a part of query '${spec.name}'`, {
            part: part.name,
          });
      }
    }
    this.checkMerge(spec, byName);
    return { parts: topologicalOrder(byName) };
  }

  private checkPart(name: string, part: PartSpec): PlannedPart {
    if (typeof part !== 'object' || part === null) throw new FederationError('INVALID_QUERY', 'a part must be an object', { part: name });
    const adapter = this.lookup(part.source);
    if (adapter === undefined)
      throw new FederationError('UNKNOWN_SOURCE', `source '${String(part.source)}' is not registered`, { part: name, source: part.source });
    const hasSql = typeof part.sql === 'string' && part.sql.trim() !== '';
    const hasRequest = part.request !== undefined;
    if (hasSql === hasRequest)
      throw new FederationError('INVALID_QUERY', 'a part needs exactly one of sql and request', { part: name, source: part.source });
    if (hasSql && !adapter.capabilities.sql)
      throw new FederationError('UNSUPPORTED_REQUEST', `source '${part.source}' does not run SQL`, { part: name, source: part.source });
    if (hasRequest && !adapter.capabilities.http)
      throw new FederationError('UNSUPPORTED_REQUEST', `source '${part.source}' does not answer HTTP requests`, {
        part: name,
        source: part.source,
      });
    const dependsOn = part.dependsOn ?? [];
    if (!Array.isArray(dependsOn)) throw new FederationError('INVALID_QUERY', 'dependsOn must be an array of part names', { part: name });
    if (part.maxRows !== undefined && !(Number.isInteger(part.maxRows) && part.maxRows >= 0)) {
      throw new FederationError('INVALID_QUERY', 'maxRows must be a non-negative integer', { part: name });
    }
    return { name, spec: part, adapter, dependsOn };
  }

  private checkMerge(spec: FederatedQuerySpec, parts: Map<string, PlannedPart>): void {
    const merge = spec.merge;
    if (merge === undefined) return;
    const known = (names: readonly string[]): void => {
      for (const n of names)
        if (!parts.has(n))
          throw new FederationError('INVALID_QUERY', `the merge names '${n}', which is not a part of query '${spec.name}'`, {
            part: 'merge',
          });
    };
    if ('concat' in merge) known(merge.concat);
    else if ('orderedMerge' in merge) known(merge.orderedMerge);
    else if ('join' in merge) known([merge.join.left, merge.join.right]);
    else if ('sql' in merge) {
      if (typeof merge.sql !== 'string' || merge.sql.trim() === '')
        throw new FederationError('INVALID_QUERY', 'merge SQL must be a non-empty string', { part: 'merge' });
    } else if (!('custom' in merge) || typeof merge.custom !== 'function') {
      throw new FederationError('INVALID_QUERY', 'merge must have one of sql, concat, orderedMerge, join or custom', { part: 'merge' });
    }
  }
}

/** Depth-first topological order; a cycle is reported with its path. */
function topologicalOrder(parts: Map<string, PlannedPart>): PlannedPart[] {
  const order: PlannedPart[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw new FederationError('CYCLIC_DEPENDENCY', `dependencies form a cycle: ${cycle.join(' -> ')}`, { part: name });
    }
    state.set(name, 'visiting');
    path.push(name);
    const part = parts.get(name)!;
    for (const dep of part.dependsOn) visit(dep);
    path.pop();
    state.set(name, 'done');
    order.push(part);
  };
  for (const name of parts.keys()) visit(name);
  return order;
}
