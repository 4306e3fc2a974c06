import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { SafetyFinding, ServerDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { errorResponses, jsonBody, jsonOk } from '../schemas/common.js';
import { requireService } from './util.js';

const SafetyRequestSchema = z
  .strictObject({ text: z.string().max(1_000_000), policy: z.string().max(128).optional().openapi({ description: 'apply this task pack\'s policy overrides' }) })
  .openapi('SafetyRequest');
const Finding = z.object({ ruleId: z.string(), start: z.number(), end: z.number(), action: z.string().optional(), score: z.number().optional() }).passthrough();
const ScanResponse = z.object({ findings: z.array(Finding), action: z.string().optional(), blocked: z.boolean().optional() }).passthrough().openapi('SafetyScanResult');
const MaskResponse = z.object({ text: z.string(), findings: z.array(Finding), action: z.string().optional(), blocked: z.boolean().optional() }).passthrough().openapi('SafetyMaskResult');

const scanRoute = createRoute({
  method: 'post',
  path: '/v1/safety/scan',
  summary: 'Scan text with the safety policy: findings with spans and actions',
  tags: ['Safety'],
  request: jsonBody(SafetyRequestSchema),
  responses: { 200: jsonOk(ScanResponse), ...errorResponses },
});
const maskRoute = createRoute({
  method: 'post',
  path: '/v1/safety/mask',
  summary: 'Mask what the policy finds; returns the masked text and the findings',
  tags: ['Safety'],
  request: jsonBody(SafetyRequestSchema),
  responses: { 200: jsonOk(MaskResponse), ...errorResponses },
});

/**
 * Registers POST /v1/safety/scan and /v1/safety/mask. Findings are counted per rule in /metrics; the matched
 * values never reach logs or metrics.
 *
 * @example
 * registerSafety(app, { safety })
 */
export function registerSafety(app: OpenAPIHono<AppEnv>, deps: ServerDeps): void {
  const count = (c: { var: AppEnv['Variables'] }, findings: SafetyFinding[]): void => {
    for (const f of findings) c.var.metrics.safetyFindings.inc({ rule: f.ruleId });
  };
  app.openapi(scanRoute, async (c) => {
    const safety = requireService(deps.safety, 'the safety policy');
    const { text, policy } = c.req.valid('json');
    const out = await safety.scan(text, policy === undefined ? {} : { policy });
    count(c, out.findings);
    return c.json(out, 200);
  });
  app.openapi(maskRoute, async (c) => {
    const safety = requireService(deps.safety, 'the safety policy');
    const { text, policy } = c.req.valid('json');
    const out = await safety.mask(text, policy === undefined ? {} : { policy });
    count(c, out.findings);
    return c.json(out, 200);
  });
}
