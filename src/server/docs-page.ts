/** The parts of an OpenAPI document the docs page renders. */
interface OpenApiLike {
  info?: { title?: string; version?: string; description?: string };
  paths?: Record<string, Record<string, { summary?: string; tags?: string[] } | undefined>>;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * Renders a self-contained HTML page (no scripts, no external assets) listing every endpoint of an OpenAPI
 * document, grouped by tag, with a link to the raw /openapi.json.
 *
 * @example
 * app.get('/docs', (c) => c.html(renderDocs(app.getOpenAPIDocument(info))))
 */
export function renderDocs(doc: OpenApiLike): string {
  const groups = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(doc.paths ?? {}))
    for (const [method, op] of Object.entries(ops)) {
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'Other';
      const row = `<tr><td class="m ${esc(method)}">${esc(method.toUpperCase())}</td><td><code>${esc(path)}</code></td><td>${esc(op.summary ?? '')}</td></tr>`;
      groups.set(tag, [...(groups.get(tag) ?? []), row]);
    }
  const sections = [...groups].map(([tag, rows]) => `<h2>${esc(tag)}</h2><table>${rows.join('')}</table>`).join('\n');
  const title = esc(doc.info?.title ?? 'API');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td{padding:.3rem .6rem;border-bottom:1px solid #eee;vertical-align:top}
.m{font-weight:600;width:5rem}.get{color:#17a}.post{color:#181}.delete{color:#a22}code{font-size:14px}</style></head>
<body><h1>${title} <small>${esc(doc.info?.version ?? '')}</small></h1><p>${esc(doc.info?.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Errors use the OpenAI envelope
<code>{"error":{"message","type","code","param"}}</code>.</p>
${sections}</body></html>`;
}
