/**
 * A ner pack's own `output.schema`: the JSON schema of the generated document `{"entities": [{"text",
 * "label", …}]}`. It replaces the default schema for generation (the label enum defaults to the pack's labels)
 * and validates the output: an entity item that breaks it is dropped (listed in `droppedEntities`), any other
 * mismatch is an OutputValidationError, as for extract.
 */
import { jsonSchemaIssueList } from './validateJson.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Why a ner `output.schema` cannot be used, as a field path under `output.schema` and a message; undefined
 * when it fits: an object schema whose `properties.entities` is an array of objects with `text` and `label`.
 *
 * @example
 * nerSchemaProblem({ type: 'object', properties: {} }, ['PER']) // { field: 'output.schema.properties.entities', … }
 */
export function nerSchemaProblem(schema: Json, labels: readonly string[]): { field: string; message: string } | undefined {
  const at = (p: string, message: string) => ({ field: `output.schema${p}`, message });
  const props = schema['properties'];
  const entities = isObject(props) ? props['entities'] : undefined;
  if (!isObject(entities)) return at('.properties.entities', 'a ner schema describes {"entities": [{"text", "label"}]}: properties.entities is missing');
  if (entities['type'] !== 'array' || !isObject(entities['items'])) return at('.properties.entities', 'must be {type: array, items: {…}} with the item schema inline');
  const itemProps = entities['items']['properties'];
  for (const k of ['text', 'label']) {
    const p = isObject(itemProps) ? itemProps[k] : undefined;
    if (!isObject(p)) return at(`.properties.entities.items.properties.${k}`, `entity items need a '${k}' property`);
    if (p['type'] !== undefined && p['type'] !== 'string') return at(`.properties.entities.items.properties.${k}.type`, 'must be string');
  }
  const label = (itemProps as Json)['label'] as Json;
  const allowed = Array.isArray(label['enum']) ? label['enum'] : 'const' in label ? [label['const']] : undefined;
  const unknown = allowed?.filter((v) => typeof v !== 'string' || !labels.includes(v));
  if (unknown?.length) return at('.properties.entities.items.properties.label', `${JSON.stringify(unknown)} not among the pack's labels (${labels.join(', ')})`);
  return undefined;
}

/**
 * The schema a ner pack generates under: its `output.schema` with the label enum defaulting to the pack's labels.
 *
 * @example
 * withLabelEnum(pack.output.schema, ['PER', 'LOC']).properties.entities.items.properties.label.enum // ['PER', 'LOC']
 */
export function withLabelEnum(schema: Json, labels: readonly string[]): Json {
  const copy = structuredClone(schema) as Json;
  const label = ((((copy['properties'] as Json)['entities'] as Json)['items'] as Json)['properties'] as Json)['label'] as Json;
  if (!('enum' in label) && !('const' in label)) label['enum'] = [...labels];
  return copy;
}

/**
 * Splits the schema's issues with a parsed document into per-entity issues (item index → messages) and
 * document-level issues.
 *
 * @example
 * const { items, document } = nerOutputIssues(schema, { entities: [{ text: 'Paris', label: 'LOC', extra: 1 }] })
 */
export function nerOutputIssues(schema: Json, doc: unknown): { items: Map<number, string[]>; document: string[] } {
  const items = new Map<number, string[]>();
  const document: string[] = [];
  for (const i of jsonSchemaIssueList(schema, doc)) {
    const [head, index, ...rest] = i.path;
    if (head === 'entities' && typeof index === 'number') {
      const msg = `${rest.length ? rest.map(String).join('.') : '(item)'}: ${i.message}`;
      items.set(index, [...(items.get(index) ?? []), msg]);
    } else document.push(`${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`);
  }
  return { items, document };
}
