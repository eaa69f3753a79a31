// Mock of the Anthropic Messages API (https://docs.anthropic.com/en/api/messages):
// POST /v1/messages (JSON or SSE) and POST /v1/messages/count_tokens, checked
// the way the real API checks them, with its error shape
// {"type":"error","error":{"type","message"}} and a request-id header.
//
//   node tests/mocks/anthropic.mjs --port 0 [--api-key K] [--name anthropic]
//
// Replies are deterministic: "mock reply from <name>: <model>"; a tool_use block
// when tools are given and the prompt asks for one (names it, or mentions the
// weather); "tool result received: <text>" after a tool_result turn.
import { createHash } from 'node:crypto';
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
  name: 'anthropic',
  api_key: '', // empty: any non-empty x-api-key is accepted
  models: [], // empty: any model starting with "claude"
  chunk_size: 3, // code points per text_delta / input_json_delta
  chunk_delay_ms: 0,
  latency_ms: 0,
  error_status: 0,
  error_count: -1,
  stream_error_after: -1, // send an overloaded_error event after N deltas
};

// Dated API versions: 2023-01-01, 2023-06-01 and the later ones the SDKs send.
const isVersion = (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && v >= '2023-01-01';
const MESSAGE_FIELDS = new Set([
  'model',
  'messages',
  'max_tokens',
  'system',
  'metadata',
  'stop_sequences',
  'stream',
  'temperature',
  'top_k',
  'top_p',
  'tools',
  'tool_choice',
  'thinking',
  'service_tier',
  'container',
  'mcp_servers',
  'context_management',
]);
const COUNT_FIELDS = new Set(['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'mcp_servers', 'context_management']);
const BLOCK_TYPES = [
  'text',
  'image',
  'document',
  'search_result',
  'thinking',
  'redacted_thinking',
  'tool_use',
  'tool_result',
  'server_tool_use',
  'web_search_tool_result',
];
const ERROR_TYPES = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};
const ERROR_MESSAGES = { 429: 'Number of request tokens has exceeded your per-minute rate limit', 500: 'Internal server error', 529: 'Overloaded' };

// Cache prefixes seen so far: the first request with a cache_control prefix
// writes it, later ones read it (cache_creation vs cache_read tokens).
const cachedPrefixes = new Set();

class Invalid extends Error {}
const fail = (message) => {
  throw new Invalid(message);
};

function errorBody(type, message) {
  return { type: 'error', error: { type, message } };
}

// --- request checks ------------------------------------------------------------

function checkExtra(obj, allowed, path) {
  for (const key of Object.keys(obj)) if (!allowed.has(key)) fail(`${path}${key}: Extra inputs are not permitted`);
}

function checkBlock(block, role, path) {
  if (!block || typeof block !== 'object' || Array.isArray(block)) fail(`${path}: Input should be a valid dictionary`);
  const type = block.type;
  if (typeof type !== 'string') fail(`${path}: Unable to extract tag using discriminator 'type'`);
  if (!BLOCK_TYPES.includes(type))
    fail(
      `${path}.type: Input tag '${type}' found using 'type' does not match any of the expected tags: ${BLOCK_TYPES.map((t) => `'${t}'`).join(', ')}`,
    );
  const allowed = {
    text: ['type', 'text', 'cache_control', 'citations'],
    image: ['type', 'source', 'cache_control'],
    document: ['type', 'source', 'cache_control', 'title', 'context', 'citations'],
    search_result: ['type', 'source', 'title', 'content', 'cache_control', 'citations'],
    thinking: ['type', 'thinking', 'signature'],
    redacted_thinking: ['type', 'data'],
    tool_use: ['type', 'id', 'name', 'input', 'cache_control'],
    tool_result: ['type', 'tool_use_id', 'content', 'is_error', 'cache_control'],
    server_tool_use: ['type', 'id', 'name', 'input', 'cache_control'],
    web_search_tool_result: ['type', 'tool_use_id', 'content', 'cache_control'],
  }[type];
  checkExtra(block, new Set(allowed), `${path}.${type}.`);
  if (type === 'text') {
    if (typeof block.text !== 'string') fail(`${path}.text.text: Field required`);
    if (block.text.length === 0) fail('messages: text content blocks must be non-empty');
  }
  if (type === 'image') checkImageSource(block.source, `${path}.image.source`);
  if (type === 'tool_use') {
    if (role !== 'assistant') fail(`${path}: tool_use blocks are only allowed in assistant messages`);
    if (typeof block.id !== 'string' || !/^[a-zA-Z0-9_-]+$/.test(block.id)) fail(`${path}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'`);
    if (typeof block.name !== 'string') fail(`${path}.tool_use.name: Field required`);
    if (!block.input || typeof block.input !== 'object' || Array.isArray(block.input)) fail(`${path}.tool_use.input: Input should be a valid dictionary`);
  }
  if (type === 'tool_result') {
    if (role !== 'user') fail(`${path}: tool_result blocks are only allowed in user messages`);
    if (typeof block.tool_use_id !== 'string') fail(`${path}.tool_result.tool_use_id: Field required`);
    if (Array.isArray(block.content))
      block.content.forEach((b, i) => checkBlock(b, 'user', `${path}.tool_result.content.${i}`));
    else if (block.content !== undefined && typeof block.content !== 'string') fail(`${path}.tool_result.content: Input should be a valid list`);
  }
}

function checkImageSource(source, path) {
  if (!source || typeof source !== 'object') fail(`${path}: Field required`);
  if (source.type === 'base64') {
    if (!['image/jpeg', 'image/png', 'image/gif', 'image/webp'].includes(source.media_type))
      fail(`${path}.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`);
    if (typeof source.data !== 'string') fail(`${path}.base64.data: Field required`);
  } else if (source.type === 'url') {
    if (typeof source.url !== 'string') fail(`${path}.url.url: Field required`);
  } else if (source.type !== 'file') {
    fail(`${path}: Input tag '${source.type}' found using 'type' does not match any of the expected tags: 'base64', 'url', 'file'`);
  }
}

function blocksOf(content) {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

function checkMessages(messages) {
  if (messages === undefined) fail('messages: Field required');
  if (!Array.isArray(messages)) fail('messages: Input should be a valid list');
  if (messages.length === 0) fail('messages: at least one message is required');
  messages.forEach((m, i) => {
    if (!m || typeof m !== 'object') fail(`messages.${i}: Input should be a valid dictionary`);
    if (m.role === 'system')
      fail('messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.');
    if (m.role !== 'user' && m.role !== 'assistant') fail(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    checkExtra(m, new Set(['role', 'content']), `messages.${i}.`);
    if (m.content === undefined) fail(`messages.${i}.content: Field required`);
    if (typeof m.content === 'string') {
      if (m.content.length === 0 && !(i === messages.length - 1 && m.role === 'assistant'))
        fail(`messages.${i}: all messages must have non-empty content except for the optional final assistant message`);
    } else if (Array.isArray(m.content)) {
      if (m.content.length === 0 && !(i === messages.length - 1 && m.role === 'assistant'))
        fail(`messages.${i}: all messages must have non-empty content except for the optional final assistant message`);
      m.content.forEach((b, j) => checkBlock(b, m.role, `messages.${i}.content.${j}`));
    } else {
      fail(`messages.${i}.content: Input should be a valid string`);
    }
  });
  if (messages[0].role !== 'user') fail('messages: first message must use the "user" role');
  for (let i = 1; i < messages.length; i++)
    if (messages[i].role === messages[i - 1].role)
      fail(`messages: roles must alternate between "user" and "assistant", but found multiple "${messages[i].role}" roles in a row`);
  checkToolPairs(messages);
}

// Every tool_use must be answered by a tool_result in the next message, and
// every tool_result must answer a tool_use of the previous message.
function checkToolPairs(messages) {
  messages.forEach((m, i) => {
    const blocks = blocksOf(m.content);
    if (m.role === 'user') {
      const previous = i > 0 ? blocksOf(messages[i - 1].content) : [];
      const ids = new Set(previous.filter((b) => b.type === 'tool_use').map((b) => b.id));
      blocks.forEach((b, j) => {
        if (b.type === 'tool_result' && !ids.has(b.tool_use_id))
          fail(
            `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${b.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
          );
      });
    } else if (i + 1 < messages.length) {
      const answered = new Set(blocksOf(messages[i + 1].content).filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id));
      const missing = blocks.filter((b) => b.type === 'tool_use' && !answered.has(b.id)).map((b) => b.id);
      if (missing.length)
        fail(
          `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
        );
    }
  });
}

// Anthropic-defined tools are typed by name and version: web_search_20250305, ...
const SERVER_TOOL = /^(web_search|web_fetch|bash|text_editor|computer|code_execution|memory|tool_search_tool_\w+)_\d{8}$/;

function checkTools(tools) {
  if (!Array.isArray(tools)) fail('tools: Input should be a valid list');
  tools.forEach((t, i) => {
    if (!t || typeof t !== 'object') fail(`tools.${i}: Input should be a valid dictionary`);
    if (t.type && t.type !== 'custom') {
      if (SERVER_TOOL.test(t.type)) return;
      fail(`tools.${i}: Input tag '${t.type}' found using 'type' does not match any of the expected tags: 'custom', 'bash_20250124', 'text_editor_20250728', 'web_search_20250305', ...`);
    }
    checkExtra(t, new Set(['type', 'name', 'description', 'input_schema', 'cache_control']), `tools.${i}.custom.`);
    if (typeof t.name !== 'string') fail(`tools.${i}.custom.name: Field required`);
    if (!/^[a-zA-Z0-9_-]{1,128}$/.test(t.name)) fail(`tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
    if (!t.input_schema) fail(`tools.${i}.custom.input_schema: Field required`);
    if (t.input_schema.type !== 'object') fail(`tools.${i}.custom.input_schema.type: Input should be 'object'`);
  });
}

function checkToolChoice(choice, tools) {
  if (!choice || typeof choice !== 'object' || Array.isArray(choice)) fail('tool_choice: Input should be a valid dictionary or object to extract fields from');
  if (!['auto', 'any', 'tool', 'none'].includes(choice.type))
    fail(`tool_choice: Input tag '${choice.type}' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'`);
  checkExtra(choice, new Set(['type', 'name', 'disable_parallel_tool_use']), `tool_choice.${choice.type}.`);
  if (choice.type === 'tool' && typeof choice.name !== 'string') fail('tool_choice.tool.name: Field required');
  if ((choice.type === 'tool' || choice.type === 'any') && !tools?.length) fail('tool_choice: tool_choice may only be specified while providing tools.');
}

function checkSystem(system) {
  if (typeof system === 'string') return;
  if (!Array.isArray(system)) fail('system: Input should be a valid string');
  system.forEach((b, i) => {
    if (b?.type !== 'text') fail(`system.${i}.type: Input should be 'text'`);
    checkBlock(b, 'system', `system.${i}`);
  });
}

function checkRequest(body, { countOnly }) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) fail('Input should be a valid dictionary');
  checkExtra(body, countOnly ? COUNT_FIELDS : MESSAGE_FIELDS, '');
  if (typeof body.model !== 'string') fail('model: Field required');
  if (!countOnly) {
    if (body.max_tokens === undefined) fail('max_tokens: Field required');
    if (!Number.isInteger(body.max_tokens)) fail('max_tokens: Input should be a valid integer');
    if (body.max_tokens < 1) fail('max_tokens: Input should be greater than or equal to 1');
  }
  checkMessages(body.messages);
  if (body.system !== undefined) checkSystem(body.system);
  if (body.tools !== undefined) checkTools(body.tools);
  if (body.tool_choice !== undefined) checkToolChoice(body.tool_choice, body.tools);
  for (const key of ['temperature', 'top_p']) {
    const v = body[key];
    if (v === undefined) continue;
    if (typeof v !== 'number') fail(`${key}: Input should be a valid number`);
    if (v < 0 || v > 1) fail(`${key}: Input should be ${v < 0 ? 'greater than or equal to 0' : 'less than or equal to 1'}`);
  }
  if (body.top_k !== undefined && !Number.isInteger(body.top_k)) fail('top_k: Input should be a valid integer');
  if (body.stop_sequences !== undefined && (!Array.isArray(body.stop_sequences) || body.stop_sequences.some((s) => typeof s !== 'string')))
    fail('stop_sequences: Input should be a valid list');
  if (body.stream !== undefined && typeof body.stream !== 'boolean') fail('stream: Input should be a valid boolean');
  if (body.metadata !== undefined) checkExtra(body.metadata, new Set(['user_id']), 'metadata.');
  if (body.thinking !== undefined) {
    const t = body.thinking;
    if (t?.type === 'enabled') {
      if (!Number.isInteger(t.budget_tokens) || t.budget_tokens < 1024) fail('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
      if (!countOnly && t.budget_tokens >= body.max_tokens) fail('`max_tokens` must be greater than `thinking.budget_tokens`.');
    } else if (t?.type !== 'disabled') {
      fail("thinking: Input tag found using 'type' does not match any of the expected tags: 'enabled', 'disabled'");
    }
  }
}

// --- replies -----------------------------------------------------------------------

function textOf(content) {
  if (typeof content === 'string') return content;
  return content
    .map((b) => {
      if (b.type === 'text') return b.text;
      if (b.type === 'tool_result') return typeof b.content === 'string' ? b.content : textOf(b.content ?? []);
      return '';
    })
    .join(' ');
}

// Tokens of the whole prompt, and of the prefix up to the last cache_control mark.
function countInput(body) {
  const parts = [];
  let cachedUpTo = -1;
  const add = (text, block) => {
    parts.push(text);
    if (block?.cache_control) cachedUpTo = parts.length;
  };
  for (const t of body.tools ?? []) add(JSON.stringify(t), t);
  if (typeof body.system === 'string') add(body.system);
  else for (const b of body.system ?? []) add(b.text, b);
  for (const m of body.messages) {
    if (typeof m.content === 'string') add(m.content);
    else for (const b of m.content) add(b.type === 'text' ? b.text : JSON.stringify(b), b);
  }
  const total = tokensOf(parts.join('\n'));
  if (cachedUpTo < 0) return { total, cached: 0, prefix: null };
  const prefix = parts.slice(0, cachedUpTo).join('\n');
  return { total, cached: Math.min(total, tokensOf(prefix)), prefix: createHash('sha256').update(`${body.model}\n${prefix}`).digest('hex') };
}

function usageFor(body, outputTokens) {
  const { total, cached, prefix } = countInput(body);
  let read = 0;
  let write = 0;
  if (prefix) {
    if (cachedPrefixes.has(prefix)) read = cached;
    else write = cached;
    cachedPrefixes.add(prefix);
  }
  return {
    input_tokens: total - read - write,
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

// The reply's content blocks and stop reason, before usage.
function answer(body, settings) {
  const last = body.messages[body.messages.length - 1];
  const blocks = [];
  if (body.thinking?.type === 'enabled')
    blocks.push({ type: 'thinking', thinking: `The user wrote: ${textOf(last.content).slice(0, 40)}`, signature: randomId('sig', 16) });
  const lastBlocks = blocksOf(last.content);
  const toolResults = last.role === 'user' ? lastBlocks.filter((b) => b.type === 'tool_result') : [];
  const prompt = textOf(last.content);
  const tools = (body.tools ?? []).filter((t) => !t.type || t.type === 'custom');
  const choice = body.tool_choice?.type ?? 'auto';
  const forced = choice === 'tool' ? body.tool_choice.name : choice === 'any' ? tools[0]?.name : null;
  const toolName = !toolResults.length && tools.length && choice !== 'none' ? requestedTool(tools.map((t) => t.name), prompt, forced) : null;

  let text = toolResults.length ? `tool result received: ${textOf(toolResults)}` : `mock reply from ${settings.name}: ${body.model}`;
  if (toolName) text = `Let me use ${toolName}.`;
  let stopReason = toolName ? 'tool_use' : 'end_turn';
  let stopSequence = null;
  const [stopped, hit] = applyStop(text, body.stop_sequences);
  if (hit && !toolName) {
    text = stopped;
    stopReason = 'stop_sequence';
    stopSequence = hit;
  }
  const [cut, truncated] = applyMaxTokens(text, body.max_tokens);
  if (truncated) {
    text = cut;
    stopReason = 'max_tokens';
  }
  if (text) blocks.push({ type: 'text', text });
  if (toolName && stopReason === 'tool_use') {
    const tool = tools.find((t) => t.name === toolName);
    blocks.push({ type: 'tool_use', id: randomId('toolu_01', 11), name: toolName, input: argumentsFor(tool.input_schema, prompt) });
  }
  const output = blocks.reduce((n, b) => n + (b.type === 'text' ? wordsOf(b.text) : b.type === 'tool_use' ? tokensOf(JSON.stringify(b.input)) : tokensOf(b.thinking)), 0);
  return { blocks, stopReason, stopSequence, outputTokens: output };
}

function messageObject(body, reply, usage) {
  return {
    id: randomId('msg_01', 12),
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: reply.blocks,
    stop_reason: reply.stopReason,
    stop_sequence: reply.stopSequence,
    usage,
  };
}

const sseEvent = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

// The event sequence of https://docs.anthropic.com/en/docs/build-with-claude/streaming.
async function stream(ctx, body, reply, usage) {
  const { settings } = ctx;
  const out = ctx.startStream(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'request-id': randomId('req_01', 12),
  });
  const message = messageObject(body, reply, { ...usage, output_tokens: 1 });
  message.content = [];
  message.stop_reason = null;
  message.stop_sequence = null;
  let deltas = 0;
  const send = async (type, data) => {
    if (type === 'content_block_delta') {
      if (deltas === settings.stream_error_after) {
        await out.write(sseEvent('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }));
        return false;
      }
      deltas++;
    }
    return out.write(sseEvent(type, data));
  };
  if (!(await send('message_start', { message }))) return out.end();
  for (const [index, block] of reply.blocks.entries()) {
    // The API sends one ping right after the first content_block_start.
    const ping = index === 0 ? () => out.write(sseEvent('ping', {})) : async () => true;
    if (!(await streamBlock(send, index, block, settings.chunk_size, ping))) return out.end();
  }
  const delta = { stop_reason: reply.stopReason, stop_sequence: reply.stopSequence };
  if (!(await send('message_delta', { delta, usage: { output_tokens: usage.output_tokens } }))) return out.end();
  await send('message_stop', {});
  out.end();
}

async function streamBlock(send, index, block, size, afterStart) {
  const start = { text: { type: 'text', text: '' }, thinking: { type: 'thinking', thinking: '' } }[block.type] ?? {
    type: 'tool_use',
    id: block.id,
    name: block.name,
    input: {},
  };
  if (!(await send('content_block_start', { index, content_block: start }))) return false;
  if (!(await afterStart())) return false;
  let deltas;
  if (block.type === 'text') deltas = pieces(block.text, size).map((text) => ({ type: 'text_delta', text }));
  else if (block.type === 'thinking')
    deltas = [...pieces(block.thinking, size * 4).map((thinking) => ({ type: 'thinking_delta', thinking })), { type: 'signature_delta', signature: block.signature }];
  // The API's first input_json_delta is empty; the JSON then arrives in pieces.
  else deltas = ['', ...pieces(JSON.stringify(block.input), size)].map((partial_json) => ({ type: 'input_json_delta', partial_json }));
  for (const delta of deltas) if (!(await send('content_block_delta', { index, delta }))) return false;
  return send('content_block_stop', { index });
}

// --- routes ------------------------------------------------------------------------

// API keys come in x-api-key; the current SDKs send them as a bearer token.
function authenticate(ctx) {
  const bearer = /^Bearer (.+)$/.exec(ctx.headers.authorization ?? '')?.[1];
  const key = ctx.headers['x-api-key'] ?? bearer;
  if (!key) return [401, 'authentication_error', 'x-api-key header is required'];
  if (ctx.settings.api_key ? key !== ctx.settings.api_key : false) return [401, 'authentication_error', 'invalid x-api-key'];
  const version = ctx.headers['anthropic-version'];
  if (!version) return [400, 'invalid_request_error', 'anthropic-version: header is required'];
  if (!isVersion(version)) return [400, 'invalid_request_error', `anthropic-version: "${version}" is not a valid version`];
  return null;
}

function modelKnown(settings, model) {
  return settings.models.length ? settings.models.includes(model) : model.startsWith('claude');
}

async function handle(ctx) {
  const route = { '/v1/messages': 'messages', '/v1/messages/count_tokens': 'count_tokens' }[ctx.path];
  if (!route) return ctx.send(404, errorBody('not_found_error', 'Not Found'), { 'request-id': randomId('req_01', 12) });
  const headers = { 'request-id': randomId('req_01', 12) };
  const error = (status, type, message) => {
    ctx.count(status === 401 ? 'unauthorized' : status === 400 ? 'bad_requests' : 'errors');
    return ctx.send(status, errorBody(type, message), headers);
  };
  if (ctx.method !== 'POST') return error(405, 'invalid_request_error', `Method Not Allowed`);
  const denied = authenticate(ctx);
  if (denied) return error(...denied);
  const parsed = ctx.json();
  if (!parsed.ok) return error(400, 'invalid_request_error', `There was an error parsing the body: ${parsed.error}`);
  const body = parsed.value;
  try {
    checkRequest(body, { countOnly: route === 'count_tokens' });
  } catch (e) {
    if (e instanceof Invalid) return error(400, 'invalid_request_error', e.message);
    throw e;
  }
  if (!modelKnown(ctx.settings, body.model)) return error(404, 'not_found_error', `model: ${body.model}`);
  ctx.count(route);
  if (route === 'count_tokens') return ctx.send(200, { input_tokens: countInput(body).total }, headers);

  const injected = takeInjectedError(ctx.settings);
  if (injected) {
    ctx.count('errors_injected');
    const type = ERROR_TYPES[injected] ?? 'api_error';
    const extra = injected === 429 ? { 'retry-after': '1' } : {};
    return ctx.send(injected, errorBody(type, ERROR_MESSAGES[injected] ?? `Injected error ${injected}`), { ...headers, ...extra });
  }
  const reply = answer(body, ctx.settings);
  const usage = usageFor(body, reply.outputTokens);
  if (body.stream) return stream(ctx, body, reply, usage);
  return ctx.send(200, messageObject(body, reply, usage), headers);
}

createMock({ name: 'anthropic', defaults, handle });
