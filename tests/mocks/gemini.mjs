// Mock of Google's generateContent API, in both flavours, plus Google's OAuth
// token endpoint for service accounts:
//   AI Studio  POST /v1beta/models/{model}:generateContent | :streamGenerateContent[?alt=sse] | :countTokens
//              key in x-goog-api-key or ?key=
//   Vertex AI  POST /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:<same methods>
//              "Authorization: Bearer <token>" issued by this mock's POST /token
//   OAuth      POST /token, RFC 7523 JWT bearer grant: the RS256 assertion is verified
//              with the service account's public key (--public-key-file or
//              /mock/config {"public_key": "<PEM>"}), iss/scope/aud/exp checked.
// Errors use Google's shape {"error":{"code","message","status"}}. Unknown fields
// are refused like Google's JSON parser does ("Unknown name ...: Cannot find field.").
//
//   node tests/mocks/gemini.mjs --port 0 [--api-key K] [--client-email E --public-key-file F] [--project P]
import { createPublicKey, createVerify, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  applyMaxTokens,
  applyStop,
  argumentsFor,
  createMock,
  pieces,
  randomId,
  requestedTool,
  takeInjectedError,
  tokensOf,
  wordsOf,
} from './server.mjs';

const defaults = {
  name: 'gemini',
  api_key: '', // empty: any non-empty key
  project: '', // Vertex: the only project the token may use (empty: any)
  client_email: '', // service account allowed to get tokens (empty: any whose signature verifies)
  public_key: '', // PEM of the service account's key
  public_key_file: '',
  token_ttl: 3599, // expires_in of issued access tokens, seconds
  chunk_size: 6, // code points per streamed text chunk
  chunk_delay_ms: 0,
  latency_ms: 0,
  error_status: 0,
  error_count: -1,
};

const CLOUD_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const STATUS_NAMES = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};
const issuedTokens = new Map(); // access token -> expiry (ms)

// Field names of the request messages, in proto (snake_case) spelling; JSON
// may use either spelling, as with Google's parser.
const REQUEST_FIELDS = ['contents', 'tools', 'tool_config', 'safety_settings', 'system_instruction', 'generation_config', 'cached_content'];
const VERTEX_ONLY_FIELDS = ['labels', 'model_armor_config'];
const CONTENT_FIELDS = ['role', 'parts'];
const PART_FIELDS = [
  'text',
  'inline_data',
  'file_data',
  'function_call',
  'function_response',
  'executable_code',
  'code_execution_result',
  'thought',
  'thought_signature',
  'video_metadata',
  'part_metadata',
];
const PART_DATA = ['text', 'inline_data', 'file_data', 'function_call', 'function_response', 'executable_code', 'code_execution_result'];
const GENERATION_FIELDS = [
  'stop_sequences',
  'response_mime_type',
  'response_schema',
  'response_json_schema',
  'response_modalities',
  'candidate_count',
  'max_output_tokens',
  'temperature',
  'top_p',
  'top_k',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'response_logprobs',
  'logprobs',
  'enable_enhanced_civic_answers',
  'speech_config',
  'thinking_config',
  'media_resolution',
  'routing_config',
  'audio_timestamp',
];
const TOOL_FIELDS = ['function_declarations', 'google_search', 'google_search_retrieval', 'code_execution', 'url_context', 'retrieval', 'google_maps', 'enterprise_web_search'];
const DECLARATION_FIELDS = ['name', 'description', 'parameters', 'parameters_json_schema', 'response', 'response_json_schema', 'behavior'];
// Gemini's Schema is an OpenAPI subset: JSON-schema keywords like
// additionalProperties or $schema are unknown fields.
const SCHEMA_FIELDS = [
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'max_items',
  'min_items',
  'properties',
  'required',
  'min_properties',
  'max_properties',
  'min_length',
  'max_length',
  'pattern',
  'example',
  'any_of',
  'property_ordering',
  'default',
  'items',
  'minimum',
  'maximum',
];

class Invalid extends Error {
  constructor(message, violations) {
    super(message);
    this.violations = violations;
  }
}
const fail = (message) => {
  throw new Invalid(message);
};

const snake = (key) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const get = (obj, name) => obj?.[name] ?? obj?.[name.replace(/_([a-z])/g, (_, c) => c.toUpperCase())];

function checkFields(obj, allowed, at) {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(snake(key))) {
      const where = at ? ` at '${at}'` : '';
      throw new Invalid(`Invalid JSON payload received. Unknown name "${key}"${where}: Cannot find field.`, [
        { field: at, description: `Invalid JSON payload received. Unknown name "${key}"${where}: Cannot find field.` },
      ]);
    }
  }
}

function checkSchema(schema, at) {
  if (!schema || typeof schema !== 'object') return;
  checkFields(schema, SCHEMA_FIELDS, at);
  for (const [name, sub] of Object.entries(schema.properties ?? {})) checkSchema(sub, `${at}.properties[${name}].value`);
  if (schema.items) checkSchema(schema.items, `${at}.items`);
  (get(schema, 'any_of') ?? []).forEach((s, i) => checkSchema(s, `${at}.any_of[${i}]`));
}

function checkContents(contents) {
  if (!Array.isArray(contents) || contents.length === 0) fail('* GenerateContentRequest.contents: contents is not specified\n');
  contents.forEach((c, i) => {
    const at = `contents[${i}]`;
    if (!c || typeof c !== 'object' || Array.isArray(c)) fail(`Invalid value at '${at}', must be an object`);
    checkFields(c, CONTENT_FIELDS, at);
    if (c.role !== undefined && c.role !== 'user' && c.role !== 'model') fail('Please use a valid role: user, model.');
    if (!Array.isArray(c.parts) || c.parts.length === 0) fail(`* GenerateContentRequest.${at}.parts: contents.parts must not be empty.\n`);
    c.parts.forEach((p, j) => {
      checkFields(p, PART_FIELDS, `${at}.parts[${j}]`);
      const data = Object.keys(p).filter((k) => PART_DATA.includes(snake(k)));
      if (data.length !== 1) fail(`* GenerateContentRequest.${at}.parts[${j}].data: required oneof field 'data' must have one initialized field\n`);
      if (p.text !== undefined && (typeof p.text !== 'string' || p.text.length === 0))
        fail('Unable to submit request because it has an empty text parameter. Add a value to the parameter and try again.');
      const call = get(p, 'function_call');
      if (call && (typeof call.name !== 'string' || (call.args !== undefined && typeof call.args !== 'object')))
        fail(`* GenerateContentRequest.${at}.parts[${j}].function_call.name: Name cannot be empty.\n`);
      const response = get(p, 'function_response');
      if (response && (typeof response.name !== 'string' || !response.name))
        fail(`* GenerateContentRequest.${at}.parts[${j}].function_response.name: Name cannot be empty.\n`);
      if (response && (typeof response.response !== 'object' || Array.isArray(response.response)))
        fail(`Invalid value at '${at}.parts[${j}].function_response.response' (type.googleapis.com/google.protobuf.Struct), must be an object`);
    });
  });
  checkFunctionTurns(contents);
}

// A function-response turn must come right after the model's function-call
// turn and answer each call (https://ai.google.dev/gemini-api/docs/function-calling).
function checkFunctionTurns(contents) {
  contents.forEach((c, i) => {
    const responses = c.parts.filter((p) => get(p, 'function_response'));
    if (!responses.length) return;
    const previous = contents[i - 1];
    const calls = previous?.role === 'model' ? previous.parts.filter((p) => get(p, 'function_call')) : [];
    if (!calls.length)
      fail('Please ensure that function response turn comes immediately after a function call turn.');
    if (calls.length !== responses.length)
      fail('Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.');
  });
}

function checkTools(tools) {
  if (!Array.isArray(tools)) fail(`Invalid value at 'tools', must be a list`);
  tools.forEach((t, i) => {
    checkFields(t, TOOL_FIELDS, `tools[${i}]`);
    (get(t, 'function_declarations') ?? []).forEach((d, j) => {
      const at = `tools[${i}].function_declarations[${j}]`;
      checkFields(d, DECLARATION_FIELDS, at);
      if (!/^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$/.test(d.name ?? ''))
        fail(`* GenerateContentRequest.${at}.name: Invalid function name. Must start with a letter or an underscore. Must be a-z, A-Z, 0-9, or contain underscores, dots, colons and dashes, with a maximum length of 128.\n`);
      if (d.parameters) checkSchema(d.parameters, `${at}.parameters`);
    });
  });
}

function checkGenerationConfig(config) {
  checkFields(config, GENERATION_FIELDS, 'generation_config');
  const temperature = get(config, 'temperature');
  if (temperature !== undefined && (typeof temperature !== 'number' || temperature < 0 || temperature > 2))
    fail(`* GenerateContentRequest.generation_config.temperature: must be in the range [0, 2]\n`);
  const max = get(config, 'max_output_tokens');
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) fail('* GenerateContentRequest.generation_config.max_output_tokens: max_output_tokens must be positive.\n');
  const stops = get(config, 'stop_sequences');
  if (stops !== undefined && (!Array.isArray(stops) || stops.length > 5)) fail('* GenerateContentRequest.generation_config.stop_sequences: must be a list of at most 5 strings\n');
  const thinking = get(config, 'thinking_config');
  if (thinking) checkFields(thinking, ['include_thoughts', 'thinking_budget', 'thinking_level'], 'generation_config.thinking_config');
  const schema = get(config, 'response_schema');
  if (schema) checkSchema(schema, 'generation_config.response_schema');
}

function checkRequest(body, vertex) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) fail('Invalid JSON payload received. Expected an object.');
  checkFields(body, vertex ? [...REQUEST_FIELDS, ...VERTEX_ONLY_FIELDS] : REQUEST_FIELDS, '');
  checkContents(body.contents);
  const system = get(body, 'system_instruction');
  if (system !== undefined) {
    checkFields(system, CONTENT_FIELDS, 'system_instruction');
    if (!Array.isArray(system.parts)) fail(`Invalid value at 'system_instruction.parts', must be a list`);
    system.parts.forEach((p, j) => checkFields(p, PART_FIELDS, `system_instruction.parts[${j}]`));
  }
  if (body.tools !== undefined) checkTools(body.tools);
  const toolConfig = get(body, 'tool_config');
  if (toolConfig) {
    checkFields(toolConfig, ['function_calling_config', 'retrieval_config'], 'tool_config');
    const fcc = get(toolConfig, 'function_calling_config');
    if (fcc) {
      checkFields(fcc, ['mode', 'allowed_function_names', 'stream_function_call_arguments'], 'tool_config.function_calling_config');
      if (fcc.mode && !['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED'].includes(fcc.mode))
        fail(`Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), "${fcc.mode}"`);
    }
  }
  const gen = get(body, 'generation_config');
  if (gen !== undefined) checkGenerationConfig(gen);
}

// --- replies ---------------------------------------------------------------------

function promptText(body) {
  const text = (parts) => parts.map((p) => p.text ?? JSON.stringify(get(p, 'function_response')?.response ?? '')).join(' ');
  const system = get(body, 'system_instruction');
  return [system ? text(system.parts) : '', ...body.contents.map((c) => text(c.parts))].join('\n');
}

function answer(body, name, model) {
  const last = body.contents[body.contents.length - 1];
  const responses = last.parts.map((p) => get(p, 'function_response')).filter(Boolean);
  const prompt = last.parts.map((p) => p.text ?? '').join(' ');
  const declarations = (body.tools ?? []).flatMap((t) => get(t, 'function_declarations') ?? []);
  const fcc = get(get(body, 'tool_config') ?? {}, 'function_calling_config') ?? {};
  const mode = fcc.mode ?? 'AUTO';
  const allowed = get(fcc, 'allowed_function_names') ?? [];
  const forced = mode === 'ANY' ? (allowed[0] ?? declarations[0]?.name) : null;
  const call = !responses.length && declarations.length && mode !== 'NONE' ? requestedTool(declarations.map((d) => d.name), prompt, forced) : null;
  const gen = get(body, 'generation_config') ?? {};
  const parts = [];
  let thoughts = 0;
  if (get(get(gen, 'thinking_config') ?? {}, 'include_thoughts')) {
    const thought = `Thinking about: ${prompt.slice(0, 40)}`;
    parts.push({ text: thought, thought: true });
    thoughts = wordsOf(thought);
  }
  if (call) {
    const decl = declarations.find((d) => d.name === call);
    parts.push({ functionCall: { name: call, args: argumentsFor(decl.parameters ?? get(decl, 'parameters_json_schema'), prompt) } });
    return { parts, finishReason: 'STOP', outputTokens: tokensOf(JSON.stringify(parts.at(-1))), thoughts };
  }
  let text = responses.length ? `tool result received: ${JSON.stringify(responses[0].response)}` : `mock reply from ${name}: ${model}`;
  let finishReason = 'STOP';
  [text] = applyStop(text, get(gen, 'stop_sequences'));
  const [cut, truncated] = applyMaxTokens(text, get(gen, 'max_output_tokens'));
  if (truncated) {
    text = cut;
    finishReason = 'MAX_TOKENS';
  }
  parts.push({ text });
  return { parts, finishReason, outputTokens: wordsOf(text), thoughts };
}

function usageMetadata(body, reply) {
  const prompt = tokensOf(promptText(body));
  const usage = {
    promptTokenCount: prompt,
    candidatesTokenCount: reply.outputTokens,
    totalTokenCount: prompt + reply.outputTokens + reply.thoughts,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }],
  };
  if (reply.thoughts) usage.thoughtsTokenCount = reply.thoughts;
  return usage;
}

function responseObject(parts, finishReason, usage, model, responseId) {
  const candidate = { content: { parts, role: 'model' }, index: 0 };
  if (finishReason) candidate.finishReason = finishReason;
  return { candidates: [candidate], usageMetadata: usage, modelVersion: model, responseId };
}

// Streams: text in pieces, a function call whole, the finish reason and usage on
// the last chunk. SSE events end with \r\n\r\n like Google's; without alt=sse
// the chunks are the elements of one JSON array.
async function stream(ctx, body, reply, model, sse) {
  const usage = usageMetadata(body, reply);
  const id = randomId('', 11);
  const chunks = [];
  for (const part of reply.parts) {
    if (part.text !== undefined && !part.thought) for (const text of pieces(part.text, ctx.settings.chunk_size)) chunks.push([{ text }]);
    else chunks.push([part]);
  }
  const out = ctx.startStream(200, { 'content-type': sse ? 'text/event-stream' : 'application/json; charset=UTF-8' });
  for (const [i, parts] of chunks.entries()) {
    const lastChunk = i === chunks.length - 1;
    const obj = responseObject(parts, lastChunk ? reply.finishReason : undefined, usage, model, id);
    const text = JSON.stringify(obj);
    const frame = sse ? `data: ${text}\r\n\r\n` : `${i === 0 ? '[' : ',\r\n'}${text}${lastChunk ? ']' : ''}`;
    if (!(await out.write(frame))) return out.end();
  }
  out.end();
}

// --- auth --------------------------------------------------------------------------

function googleError(ctx, status, message, details) {
  ctx.count(status === 401 || status === 403 ? 'unauthorized' : status === 400 ? 'bad_requests' : 'errors');
  const error = { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN' };
  if (details) error.details = details;
  return ctx.send(status, { error }, { 'content-type': 'application/json; charset=UTF-8' });
}

function checkApiKey(ctx) {
  const key = ctx.headers['x-goog-api-key'] ?? ctx.url.searchParams.get('key');
  if (!key)
    return [
      403,
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    ];
  if (ctx.settings.api_key && key !== ctx.settings.api_key)
    return [
      400,
      'API key not valid. Please pass a valid API key.',
      [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } }],
    ];
  return null;
}

function checkBearer(ctx, project) {
  const token = /^Bearer (.+)$/.exec(ctx.headers.authorization ?? '')?.[1];
  const expiry = token ? issuedTokens.get(token) : undefined;
  if (!expiry || expiry <= Date.now())
    return [
      401,
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: expiry ? 'ACCESS_TOKEN_EXPIRED' : 'ACCESS_TOKEN_TYPE_UNSUPPORTED', domain: 'googleapis.com' }],
    ];
  if (ctx.settings.project && project !== ctx.settings.project)
    return [403, `Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/projects/${project}' (or it may not exist).`];
  return null;
}

function publicKey(settings) {
  const pem = settings.public_key || (settings.public_key_file ? readFileSync(settings.public_key_file, 'utf8') : '');
  return pem ? createPublicKey(pem) : null;
}

const b64json = (s) => JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));

// https://developers.google.com/identity/protocols/oauth2/service-account#httprest
function tokenEndpoint(ctx) {
  const oauthError = (status, error, description) => {
    ctx.count('token_errors');
    return ctx.send(status, { error, error_description: description });
  };
  if (ctx.method !== 'POST') return oauthError(405, 'invalid_request', 'Method not allowed');
  if (!(ctx.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
    return oauthError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
  const form = new URLSearchParams(ctx.text);
  const grant = form.get('grant_type');
  if (grant !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grant ?? ''}`);
  const parts = (form.get('assertion') ?? '').split('.');
  if (parts.length !== 3) return oauthError(400, 'invalid_grant', 'Invalid JWT: malformed assertion');
  let header;
  let claims;
  try {
    header = b64json(parts[0]);
    claims = b64json(parts[1]);
  } catch {
    return oauthError(400, 'invalid_grant', 'Invalid JWT: cannot decode');
  }
  if (header.alg !== 'RS256') return oauthError(400, 'invalid_grant', 'Invalid JWT: unsupported algorithm');
  if (ctx.settings.client_email && claims.iss !== ctx.settings.client_email) return oauthError(400, 'invalid_grant', 'Invalid grant: account not found');
  const key = publicKey(ctx.settings);
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${parts[0]}.${parts[1]}`);
  if (!key || !verifier.verify(key, Buffer.from(parts[2], 'base64url'))) return oauthError(400, 'invalid_grant', 'Invalid JWT Signature.');
  const expectedAud = `http://${ctx.headers.host}/token`;
  if (claims.aud !== expectedAud) return oauthError(400, 'invalid_grant', 'Invalid JWT: Failed audience check.');
  if (!String(claims.scope ?? '').split(' ').includes(CLOUD_SCOPE)) return oauthError(400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
  const now = Date.now() / 1000;
  if (!Number.isInteger(claims.iat) || !Number.isInteger(claims.exp) || claims.exp - claims.iat > 3600 || claims.exp <= now || claims.iat > now + 300)
    return oauthError(
      400,
      'invalid_grant',
      'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
    );
  const token = `ya29.mock-${randomBytes(24).toString('base64url')}`;
  issuedTokens.set(token, Date.now() + ctx.settings.token_ttl * 1000);
  ctx.count('tokens_issued');
  return ctx.send(200, { access_token: token, expires_in: ctx.settings.token_ttl, token_type: 'Bearer' });
}

// --- routes --------------------------------------------------------------------------

const STUDIO = /^\/(v1beta|v1)\/models\/([^/:]+):([A-Za-z]+)$/;
const VERTEX = /^\/(v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):([A-Za-z]+)$/;

async function handle(ctx) {
  if (ctx.path === '/token') return tokenEndpoint(ctx);
  const studio = STUDIO.exec(ctx.path);
  const vertex = VERTEX.exec(ctx.path);
  if (!studio && !vertex) return googleError(ctx, 404, `Requested entity was not found.`);
  const model = decodeURIComponent(studio ? studio[2] : vertex[4]);
  const method = studio ? studio[3] : vertex[5];
  if (!['generateContent', 'streamGenerateContent', 'countTokens'].includes(method))
    return googleError(ctx, 404, `Method not found: ${method}`);
  if (ctx.method !== 'POST') return googleError(ctx, 404, 'Requested entity was not found.');
  const denied = studio ? checkApiKey(ctx) : checkBearer(ctx, vertex[2]);
  if (denied) return googleError(ctx, ...denied);
  const parsed = ctx.json();
  if (!parsed.ok) return googleError(ctx, 400, `Invalid JSON payload received. ${parsed.error}`);
  try {
    if (method === 'countTokens') checkContents(parsed.value.contents);
    else checkRequest(parsed.value, Boolean(vertex));
  } catch (e) {
    if (!(e instanceof Invalid)) throw e;
    const details = e.violations ? [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: e.violations }] : undefined;
    return googleError(ctx, 400, e.message, details);
  }
  if (!model.startsWith('gemini')) return googleError(ctx, 404, `models/${model} is not found for API version ${studio ? studio[1] : vertex[1]}, or is not supported for generateContent.`);
  const body = parsed.value;
  ctx.count(vertex ? 'vertex' : 'studio');
  if (method === 'countTokens') return ctx.send(200, { totalTokens: tokensOf(promptText(body)) });
  const injected = takeInjectedError(ctx.settings);
  if (injected) {
    ctx.count('errors_injected');
    const message = injected === 429 ? 'Resource has been exhausted (e.g. check quota).' : 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting';
    return googleError(ctx, injected, message);
  }
  const reply = answer(body, ctx.settings.name, model);
  if (method === 'streamGenerateContent') return stream(ctx, body, reply, model, ctx.url.searchParams.get('alt') === 'sse');
  return ctx.send(200, responseObject(reply.parts, reply.finishReason, usageMetadata(body, reply), model, randomId('', 11)));
}

createMock({ name: 'gemini', defaults, handle });
