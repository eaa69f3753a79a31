// Mock of Microsoft Entra ID (Azure AD) and of an Azure OpenAI resource that
// accepts only Entra ID tokens:
//   POST /{tenant}/oauth2/v2.0/token   client_credentials grant (form-encoded)
//        -> {"token_type":"Bearer","expires_in","ext_expires_in","access_token"}
//   POST /openai/deployments/{deployment}/chat/completions?api-version=...
//        requires "Authorization: Bearer <token issued above>" (or one of
//        --static-tokens, for azure_ad_token configs); answers like OpenAI.
// Reference: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
//
//   node tests/mocks/oauth.mjs --port 0 --tenant-id T --client-id C --client-secret S
import { randomBytes } from 'node:crypto';
import { createMock, pieces, randomId, takeInjectedError, tokensOf } from './server.mjs';

const defaults = {
  name: 'azure',
  tenant_id: 'mock-tenant',
  client_id: 'mock-client',
  client_secret: 'mock-client-secret',
  scope: 'https://cognitiveservices.azure.com/.default',
  token_ttl: 3599,
  static_tokens: [], // tokens accepted without being issued (azure_ad_token)
  chunk_size: 5,
  chunk_delay_ms: 0,
  latency_ms: 0,
  error_status: 0,
  error_count: -1,
};

const issued = new Map(); // token -> expiry (ms)

function aadError(ctx, status, error, code, description) {
  ctx.count('token_errors');
  return ctx.send(status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${randomId('', 16)} Timestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
  });
}

function tokenEndpoint(ctx, tenant) {
  const { settings } = ctx;
  if (!(ctx.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
    return aadError(ctx, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
  const form = new URLSearchParams(ctx.text);
  if (tenant !== settings.tenant_id) return aadError(ctx, 400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found.`);
  if (form.get('grant_type') !== 'client_credentials')
    return aadError(ctx, 400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
  if (form.get('client_id') !== settings.client_id)
    return aadError(ctx, 400, 'unauthorized_client', 700016, `Application with identifier '${form.get('client_id')}' was not found in the directory.`);
  if (form.get('client_secret') !== settings.client_secret)
    return aadError(ctx, 401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.');
  if (form.get('scope') !== settings.scope)
    return aadError(ctx, 400, 'invalid_scope', 1002012, `The provided value for scope ${form.get('scope')} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
  const token = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${randomBytes(24).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
  issued.set(token, Date.now() + settings.token_ttl * 1000);
  ctx.count('tokens_issued');
  return ctx.send(200, { token_type: 'Bearer', expires_in: settings.token_ttl, ext_expires_in: settings.token_ttl, access_token: token });
}

function azureError(ctx, status, code, message) {
  ctx.count(status === 401 ? 'unauthorized' : 'errors');
  return ctx.send(status, { error: { code, message } });
}

async function chat(ctx, deployment) {
  const token = /^Bearer (.+)$/.exec(ctx.headers.authorization ?? '')?.[1];
  const expiry = token ? issued.get(token) : undefined;
  const accepted = ctx.settings.static_tokens.includes(token) || (expiry && expiry > Date.now());
  if (!accepted)
    return azureError(ctx, 401, '401', 'Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.');
  if (!ctx.url.searchParams.get('api-version')) return azureError(ctx, 404, '404', 'Resource not found');
  const parsed = ctx.json();
  if (!parsed.ok || !Array.isArray(parsed.value?.messages) || !parsed.value.messages.length)
    return azureError(ctx, 400, 'BadRequest', "'messages' is a required property");
  ctx.count('chat');
  const injected = takeInjectedError(ctx.settings);
  if (injected) return azureError(ctx, injected, String(injected), `Injected error ${injected}`);
  const body = parsed.value;
  const text = `mock reply from ${ctx.settings.name}: ${deployment}`;
  const prompt = tokensOf(body.messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n'));
  const usage = { prompt_tokens: prompt, completion_tokens: text.split(' ').length, total_tokens: prompt + text.split(' ').length };
  const id = randomId('chatcmpl-', 12);
  const created = Math.floor(Date.now() / 1000);
  if (!body.stream)
    return ctx.send(200, {
      id,
      object: 'chat.completion',
      created,
      model: deployment,
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage,
    });
  const out = ctx.startStream(200, { 'content-type': 'text/event-stream' });
  const chunk = (delta, finish = null) => ({ id, object: 'chat.completion.chunk', created, model: deployment, choices: [{ index: 0, delta, finish_reason: finish }] });
  const frames = [chunk({ role: 'assistant', content: '' }), ...pieces(text, ctx.settings.chunk_size).map((c) => chunk({ content: c })), chunk({}, 'stop')];
  if (body.stream_options?.include_usage) frames.push({ id, object: 'chat.completion.chunk', created, model: deployment, choices: [], usage });
  for (const f of frames) if (!(await out.write(`data: ${JSON.stringify(f)}\n\n`))) return out.end();
  await out.write('data: [DONE]\n\n');
  out.end();
}

const TOKEN = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;
const DEPLOYMENT = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;

async function handle(ctx) {
  const t = TOKEN.exec(ctx.path);
  if (t && ctx.method === 'POST') return tokenEndpoint(ctx, decodeURIComponent(t[1]));
  const d = DEPLOYMENT.exec(ctx.path);
  if (d && ctx.method === 'POST') return chat(ctx, decodeURIComponent(d[1]));
  return azureError(ctx, 404, '404', 'Resource not found');
}

createMock({ name: 'oauth', defaults, handle });
