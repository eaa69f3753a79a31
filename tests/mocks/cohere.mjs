// Mock of Cohere's v2 Chat API (https://docs.cohere.com/reference/chat and
// https://docs.cohere.com/reference/chat-stream): POST /v2/chat with bearer
// auth, JSON or SSE (message-start, content-start/delta/end, tool-plan-delta,
// tool-call-start/delta/end, message-end). OpenAI-only fields are refused with
// Cohere's error shape {"id","message"}.
//
//   node tests/mocks/cohere.mjs --port 0 [--api-key K]
import {
  applyMaxTokens,
  applyStop,
  argumentsFor,
  createMock,
  pieces,
  randomUUID,
  requestedTool,
  takeInjectedError,
  tokensOf,
  wordsOf,
} from './server.mjs';

const defaults = {
  name: 'cohere',
  api_key: '', // empty: any bearer token
  chunk_size: 4,
  chunk_delay_ms: 0,
  latency_ms: 0,
  error_status: 0,
  error_count: -1,
};

const FIELDS = new Set([
  'model',
  'messages',
  'stream',
  'tools',
  'strict_tools',
  'documents',
  'citation_options',
  'response_format',
  'safety_mode',
  'max_tokens',
  'stop_sequences',
  'temperature',
  'seed',
  'frequency_penalty',
  'presence_penalty',
  'k',
  'p',
  'logprobs',
  'tool_choice',
  'thinking',
  'priority',
]);

class Invalid extends Error {}
const fail = (message) => {
  throw new Invalid(message);
};

function checkContent(content, role, at) {
  if (typeof content === 'string') return;
  if (!Array.isArray(content)) fail(`invalid request: ${at}.content must be a string or a list of content blocks`);
  const allowed = role === 'user' ? ['text', 'image_url', 'document'] : role === 'tool' ? ['text', 'document'] : role === 'assistant' ? ['text', 'thinking'] : ['text'];
  content.forEach((c, i) => {
    if (!allowed.includes(c?.type)) fail(`invalid request: ${at}.content[${i}].type must be one of ${allowed.join(', ')}, got ${JSON.stringify(c?.type)}`);
    if (c.type === 'text' && typeof c.text !== 'string') fail(`invalid request: ${at}.content[${i}].text is required`);
  });
}

function checkMessages(messages) {
  if (!Array.isArray(messages) || !messages.length) fail('invalid request: messages must contain at least one message');
  const callIds = new Set();
  messages.forEach((m, i) => {
    const at = `messages[${i}]`;
    const keys = {
      system: ['role', 'content'],
      user: ['role', 'content'],
      assistant: ['role', 'content', 'tool_calls', 'tool_plan', 'citations'],
      tool: ['role', 'tool_call_id', 'content'],
    }[m?.role];
    if (!keys) fail(`invalid request: ${at}.role must be one of system, user, assistant, tool; got ${JSON.stringify(m?.role)}`);
    for (const k of Object.keys(m)) if (!keys.includes(k)) fail(`invalid request: ${at}: unknown field ${k} for a ${m.role} message`);
    if (m.content !== undefined) checkContent(m.content, m.role, at);
    if (m.role !== 'assistant' && m.content === undefined) fail(`invalid request: ${at}.content is required`);
    if (m.role === 'assistant') {
      if (m.content === undefined && !m.tool_calls?.length) fail(`invalid request: ${at} must have content or tool_calls`);
      for (const c of m.tool_calls ?? []) {
        if (c?.type !== 'function' || typeof c.id !== 'string' || typeof c.function?.name !== 'string')
          fail(`invalid request: ${at}.tool_calls entries need id, type "function" and function.name`);
        if (typeof c.function.arguments !== 'string') fail(`invalid request: ${at}.tool_calls function.arguments must be a string`);
        callIds.add(c.id);
      }
    }
    if (m.role === 'tool' && !callIds.has(m.tool_call_id)) fail(`invalid request: ${at}.tool_call_id ${JSON.stringify(m.tool_call_id)} does not match any tool call`);
  });
}

function checkRequest(body) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) fail('invalid request: body must be a JSON object');
  for (const key of Object.keys(body)) if (!FIELDS.has(key)) fail(`invalid request: unknown field: parameter ${key} is not a valid field`);
  if (typeof body.model !== 'string' || !body.model) fail('invalid request: model must be specified');
  checkMessages(body.messages);
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) fail('invalid request: tools must be a list');
    body.tools.forEach((t, i) => {
      if (t?.type !== 'function' || typeof t.function?.name !== 'string') fail(`invalid request: tools[${i}] must be {"type": "function", "function": {"name", ...}}`);
    });
  }
  if (body.tool_choice !== undefined && !['REQUIRED', 'NONE'].includes(body.tool_choice))
    fail(`invalid request: tool_choice must be one of REQUIRED, NONE; got ${JSON.stringify(body.tool_choice)}`);
  if (body.response_format !== undefined && !['text', 'json_object'].includes(body.response_format?.type))
    fail(`invalid request: response_format.type must be one of text, json_object; got ${JSON.stringify(body.response_format?.type)}`);
  if (body.temperature !== undefined && (typeof body.temperature !== 'number' || body.temperature < 0)) fail('invalid request: temperature must be a non-negative number');
  if (body.p !== undefined && (typeof body.p !== 'number' || body.p < 0.01 || body.p > 0.99)) fail('invalid request: p must be between 0.01 and 0.99');
  if (body.max_tokens !== undefined && (!Number.isInteger(body.max_tokens) || body.max_tokens < 1)) fail('invalid request: max_tokens must be a positive integer');
  if (body.stop_sequences !== undefined && (!Array.isArray(body.stop_sequences) || body.stop_sequences.length > 5)) fail('invalid request: stop_sequences must be a list of at most 5 strings');
}

const textOf = (content) => (typeof content === 'string' ? content : (content ?? []).map((c) => c.text ?? '').join(' '));

function answer(body, name) {
  const last = body.messages[body.messages.length - 1];
  const prompt = last.role === 'user' ? textOf(last.content) : '';
  const tools = body.tools ?? [];
  const toolName = last.role === 'user' && tools.length && body.tool_choice !== 'NONE'
    ? requestedTool(tools.map((t) => t.function.name), prompt, body.tool_choice === 'REQUIRED' ? tools[0].function.name : null)
    : null;
  if (toolName) {
    const tool = tools.find((t) => t.function.name === toolName);
    const args = JSON.stringify(argumentsFor(tool.function.parameters, prompt));
    const call = { id: `${toolName}_${randomUUID().slice(0, 8)}`, type: 'function', function: { name: toolName, arguments: args } };
    return { plan: `I will use ${toolName}.`, calls: [call], text: '', finish: 'TOOL_CALL', output: tokensOf(args) + 4 };
  }
  let text = last.role === 'tool' ? `tool result received: ${textOf(last.content)}` : `mock reply from ${name}: ${body.model}`;
  let finish = 'COMPLETE';
  const [stopped, hit] = applyStop(text, body.stop_sequences);
  if (hit) {
    text = stopped;
    finish = 'STOP_SEQUENCE';
  }
  const [cut, truncated] = applyMaxTokens(text, body.max_tokens);
  if (truncated) {
    text = cut;
    finish = 'MAX_TOKENS';
  }
  return { plan: '', calls: [], text, finish, output: wordsOf(text) };
}

function usageOf(body, reply) {
  const input = tokensOf(body.messages.map((m) => textOf(m.content)).join('\n'));
  return {
    billed_units: { input_tokens: input, output_tokens: reply.output },
    tokens: { input_tokens: input + 200, output_tokens: reply.output }, // + the prompt template
  };
}

function chatResponse(body, reply, usage) {
  const message = { role: 'assistant' };
  if (reply.calls.length) {
    message.tool_plan = reply.plan;
    message.tool_calls = reply.calls;
  } else {
    message.content = [{ type: 'text', text: reply.text }];
  }
  return { id: randomUUID(), finish_reason: reply.finish, message, usage };
}

const event = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

async function stream(ctx, body, reply, usage) {
  const size = ctx.settings.chunk_size;
  const events = [event('message-start', { id: randomUUID(), delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } })];
  if (reply.calls.length) {
    for (const plan of pieces(reply.plan, size)) events.push(event('tool-plan-delta', { delta: { message: { tool_plan: plan } } }));
    reply.calls.forEach((call, index) => {
      const start = { id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } };
      events.push(event('tool-call-start', { index, delta: { message: { tool_calls: start } } }));
      for (const args of pieces(call.function.arguments, size))
        events.push(event('tool-call-delta', { index, delta: { message: { tool_calls: { function: { arguments: args } } } } }));
      events.push(event('tool-call-end', { index }));
    });
  } else {
    events.push(event('content-start', { index: 0, delta: { message: { content: { type: 'text', text: '' } } } }));
    for (const text of pieces(reply.text, size)) events.push(event('content-delta', { index: 0, delta: { message: { content: { text } } } }));
    events.push(event('content-end', { index: 0 }));
  }
  events.push(event('message-end', { delta: { finish_reason: reply.finish, usage } }));
  const out = ctx.startStream(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const e of events) if (!(await out.write(e))) break;
  out.end();
}

function cohereError(ctx, status, message) {
  ctx.count(status === 401 ? 'unauthorized' : status === 400 ? 'bad_requests' : 'errors');
  return ctx.send(status, { id: randomUUID(), message });
}

async function handle(ctx) {
  if (ctx.path !== '/v2/chat') return cohereError(ctx, 404, `Not Found: ${ctx.path}`);
  if (ctx.method !== 'POST') return cohereError(ctx, 405, 'Method Not Allowed');
  const token = /^Bearer (.+)$/i.exec(ctx.headers.authorization ?? '')?.[1];
  if (!token) return cohereError(ctx, 401, 'no api key supplied');
  if (ctx.settings.api_key && token !== ctx.settings.api_key) return cohereError(ctx, 401, 'invalid api token');
  const parsed = ctx.json();
  if (!parsed.ok) return cohereError(ctx, 400, `invalid request: cannot parse body: ${parsed.error}`);
  try {
    checkRequest(parsed.value);
  } catch (e) {
    if (e instanceof Invalid) return cohereError(ctx, 400, e.message);
    throw e;
  }
  const body = parsed.value;
  if (!body.model.startsWith('command')) return cohereError(ctx, 404, `model '${body.model}' not found, make sure the correct model ID was used and that you have access to the model.`);
  ctx.count('chat');
  const injected = takeInjectedError(ctx.settings);
  if (injected) {
    ctx.count('errors_injected');
    return cohereError(ctx, injected, injected === 429 ? "You are using a Trial key, which is limited to 10 API calls / minute." : 'internal server error, this has been reported to our developers');
  }
  const reply = answer(body, ctx.settings.name);
  const usage = usageOf(body, reply);
  if (body.stream) return stream(ctx, body, reply, usage);
  return ctx.send(200, chatResponse(body, reply, usage));
}

createMock({ name: 'cohere', defaults, handle });
