import { containsVia } from '../candidates.js';
import { PatternRule } from '../pattern-rule.js';

/**
 * Token formats with a fixed shape, in one regex so the text is read once. The named group `v` is the secret. Each
 * lies in a run of 15+ base64 characters that starts at most 40 characters after the match (the prescan's
 * longRuns), so the regex only reads those windows.
 */
const TOKEN_RE = new RegExp(
  [
    '(?<![\\w/+-])(?<v1>(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})(?![\\w])', // AWS access key id
    '(?<![\\w-])(?<v2>AIza[0-9A-Za-z_-]{35})(?![\\w-])', // Google / GCP API key
    '(?<![\\w])(?<v3>gh[pousr]_[A-Za-z0-9]{36,255})(?![\\w])', // GitHub tokens
    '(?<![\\w])(?<v4>github_pat_[A-Za-z0-9_]{60,255})(?![\\w])', // GitHub fine-grained PAT
    '(?<![\\w-])(?<v5>gl(?:pat|dt|rt|ptt|cbt|oas)-[A-Za-z0-9_-]{20,64})(?![\\w-])', // GitLab tokens
    '(?<![\\w-])(?<v6>xox[abposr]-[A-Za-z0-9-]{10,250})(?![\\w-])', // Slack tokens
    '(?<v7>https://hooks\\.slack\\.com/(?:services|workflows)/[A-Za-z0-9/_-]{20,})', // Slack webhook
    '(?<![\\w-])(?<v8>sk-(?:proj-|ant-(?:api\\d\\d-)?)?[A-Za-z0-9_-]{32,200})(?![\\w-])', // OpenAI / Anthropic keys
    '(?<![\\w])(?<v9>[rs]k_live_[A-Za-z0-9]{20,99})(?![\\w])', // Stripe live keys
    'AccountKey=(?<v10>[A-Za-z0-9+/]{86}==)', // Azure storage account key
  ].join('|'),
  'g',
);

/** Formats whose value may be cut by '%' or follows a long prefix: read in the whole text, after a literal test. */
const KEYED_RE = new RegExp(
  [
    '(?:SharedAccessKey|sig)=(?<v11>[A-Za-z0-9%+/]{40,100}(?:%3D|=){0,2})', // Azure SAS / service bus
    '"private_key_id"\\s*:\\s*"(?<v13>[0-9a-f]{40})"', // GCP service account key id
  ].join('|'),
  'g',
);

const KINDS: [RegExp, string][] = [
  [/^A[KSBC][IC]A/, 'aws-access-key'], [/^AIza/, 'gcp-api-key'], [/^gh[pousr]_|^github_pat_/, 'github-token'],
  [/^gl[a-z]+-/, 'gitlab-token'], [/^xox|hooks\.slack/, 'slack'], [/^sk-|^[rs]k_live_/, 'api-key'],
  [/Q~/, 'azure-client-secret'], [/^[0-9a-f]{40}$/, 'gcp-key-id'],
];

/**
 * Cloud and VCS credentials with a recognizable format: AWS access key ids, GCP API keys and service-account key
 * ids, Azure storage keys, SAS signatures and client secrets, GitHub and GitLab tokens, Slack tokens and webhooks,
 * OpenAI/Anthropic/Stripe keys. The evidence names the kind, never the value.
 *
 * @example
 * createSecretTokenRule().scan('key=AKIAIOSFODNN7EXAMPLE', { stage: 'input' })[0]?.evidence // 'aws-access-key'
 */
export function createSecretTokenRule(): PatternRule {
  return new PatternRule({
    id: 'secret-token',
    version: '1',
    category: 'secret',
    entity: 'SECRET',
    patterns: [
      { regex: TOKEN_RE, score: 0.95, name: 'token', candidates: 'tokens' },
      {
        regex: KEYED_RE,
        score: 0.95,
        name: 'token',
        precheck: (t) => containsVia(t, 'sig=', 3) || containsVia(t, 'SharedAccessKey=', 15) || containsVia(t, '"private_key_id"', 8),
      },
      // Azure AD client secret: anchored on its fixed 'Q~' so the regex only runs when that occurs
      { regex: /(?<![\w~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![\w~.-])/g, score: 0.9, name: 'azure', precheck: (t) => containsVia(t, 'Q~', 1) },
    ],
    validate: ({ value }) => {
      for (const [re, kind] of KINDS) if (re.test(value)) return kind;
      return value.length > 40 ? 'azure-key' : 'token';
    },
  });
}
