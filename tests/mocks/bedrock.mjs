// Mock of Amazon Bedrock Runtime's Converse API and of the AWS credential
// endpoints a credential chain reads:
//   POST /model/{modelId}/converse          JSON
//   POST /model/{modelId}/converse-stream   application/vnd.amazon.eventstream frames
//                                           (encoded with the official @smithy/eventstream-codec)
//   POST /  Action=AssumeRoleWithWebIdentity            STS (XML reply)
//   PUT  /latest/api/token, GET /latest/meta-data/iam/security-credentials/[role]   IMDSv2
//   GET  /ecs/credentials (--ecs-path)                  ECS container credentials
// Every Converse request must be SigV4-signed: the signature is recomputed with
// the official @smithy/signature-v4 from the received bytes and the secret of
// the access key it names: the static one (--access-key-id/--secret-access-key
// [--session-token]) or temporary ones this mock handed out (until they expire).
//
//   node tests/mocks/bedrock.mjs --port 0 --access-key-id AK --secret-access-key SK [--region us-east-1]
import { Sha256 } from '@aws-crypto/sha256-js';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { createHash, randomBytes } from 'node:crypto';
import {
  applyMaxTokens,
  applyStop,
  argumentsFor,
  createMock,
  pieces,
  randomId,
  randomUUID,
  requestedTool,
  takeInjectedError,
  tokensOf,
  wordsOf,
} from './server.mjs';

const defaults = {
  name: 'bedrock',
  region: 'us-east-1',
  access_key_id: 'AKIAMOCKSTATIC000001',
  secret_access_key: 'mock/static/secret/key/0000000000000000000',
  session_token: '', // required with the static key when set
  api_key: '', // Bedrock API keys (Authorization: Bearer); empty: refused
  credential_ttl: 3600, // seconds of validity of temporary credentials handed out
  web_identity_token: 'mock-web-identity-token', // the only token STS accepts
  role_arn: 'arn:aws:iam::123456789012:role/mock-bedrock-role',
  imds_role: 'mock-instance-role',
  ecs_path: '/ecs/credentials',
  ecs_auth_token: '', // required Authorization of the ECS endpoint when set
  max_skew_seconds: 300,
  chunk_size: 5,
  chunk_delay_ms: 0,
  latency_ms: 0,
  error_status: 0,
  error_count: -1,
  stream_exception: '', // e.g. throttlingException: sent as an exception frame
  stream_exception_after: 1, // content deltas before the exception frame
};

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const temporary = new Map(); // access key id -> {secret, token, expires (ms), source}
const imdsTokens = new Map(); // IMDSv2 session token -> expiry (ms)

// --- errors ----------------------------------------------------------------------------

const ERROR_TYPES = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

function awsError(ctx, status, type, message) {
  ctx.count(status === 403 ? 'auth_failures' : status === 400 ? 'bad_requests' : 'errors');
  ctx.count(`error_${type}`);
  return ctx.send(status, { message }, { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.coral.service/`, 'x-amzn-requestid': randomUUID() });
}

// --- SigV4 verification ---------------------------------------------------------------------

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

function amzDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s ?? '');
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : null;
}

function secretFor(settings, accessKeyId) {
  if (accessKeyId === settings.access_key_id)
    return { secret: settings.secret_access_key, token: settings.session_token || null, expires: Infinity, source: 'static' };
  return temporary.get(accessKeyId) ?? null;
}

// Returns null when the request is properly signed, else [status, type, message].
async function verifySigV4(ctx) {
  const { settings } = ctx;
  const auth = ctx.headers.authorization;
  if (!auth) return [403, 'MissingAuthenticationTokenException', 'Missing Authentication Token'];
  const bearer = /^Bearer (.+)$/.exec(auth)?.[1];
  if (bearer) {
    if (settings.api_key && bearer === settings.api_key) return null;
    return [403, 'UnrecognizedClientException', 'The security token included in the request is invalid.'];
  }
  const m = AUTH.exec(auth);
  if (!m) return [403, 'IncompleteSignatureException', `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=${auth.split(' ')[0]}`];
  const [, accessKeyId, scopeDate, region, service, signedHeaderList, signature] = m;
  const credentials = secretFor(settings, accessKeyId);
  if (!credentials) return [403, 'UnrecognizedClientException', 'The security token included in the request is invalid.'];
  const signed = signedHeaderList.split(';');
  const date = amzDate(ctx.headers['x-amz-date']);
  if (!date || !signed.includes('x-amz-date')) return [403, 'IncompleteSignatureException', 'Authorization header requires existence of either a \'X-Amz-Date\' or a \'Date\' header.'];
  if (!signed.includes('host')) return [403, 'InvalidSignatureException', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."];
  const skew = Math.abs(Date.now() - date.getTime()) / 1000;
  if (skew > settings.max_skew_seconds) {
    const fmt = (d) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const limit = new Date(Date.now() - settings.max_skew_seconds * 1000);
    return [403, 'InvalidSignatureException', `Signature expired: ${ctx.headers['x-amz-date']} is now earlier than ${fmt(limit)} (${fmt(new Date())} - 5 min.)`];
  }
  if (scopeDate !== ctx.headers['x-amz-date'].slice(0, 8))
    return [403, 'InvalidSignatureException', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${ctx.headers['x-amz-date'].slice(0, 8)}', from '${ctx.headers['x-amz-date']}'.`];
  if (region !== settings.region) return [403, 'InvalidSignatureException', `Credential should be scoped to a valid region. `];
  if (service !== 'bedrock') return [403, 'InvalidSignatureException', `Credential should be scoped to correct service: 'bedrock'. `];
  if (credentials.expires <= Date.now()) return [403, 'ExpiredTokenException', 'The security token included in the request is expired'];
  const token = ctx.headers['x-amz-security-token'];
  if (credentials.token && token !== credentials.token) return [403, 'UnrecognizedClientException', 'The security token included in the request is invalid.'];
  const contentSha = ctx.headers['x-amz-content-sha256'];
  if (contentSha && contentSha !== createHash('sha256').update(ctx.raw).digest('hex'))
    return [400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed."];

  const expected = await expectedSignature(ctx, { accessKeyId, secretAccessKey: credentials.secret, token, signed, date, region });
  if (expected !== signature)
    return [
      403,
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    ];
  ctx.count(`signed_by_${credentials.source}`);
  ctx.stats.last_access_key_id = accessKeyId;
  return null;
}

// Signs the received request again, exactly as received (raw path with its
// percent-encoding, the signed headers only), with @smithy/signature-v4.
async function expectedSignature(ctx, { accessKeyId, secretAccessKey, token, signed, date, region }) {
  const headers = {};
  for (const name of signed) {
    const value = ctx.req.headersDistinct[name];
    if (value) headers[name] = value.join(',');
  }
  const rawPath = ctx.req.url.split('?')[0];
  const query = {};
  for (const [k, v] of ctx.url.searchParams) query[k] = v;
  const request = new HttpRequest({ method: ctx.method, protocol: 'http:', hostname: '127.0.0.1', path: rawPath, query, headers, body: ctx.raw });
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey, sessionToken: signed.includes('x-amz-security-token') ? token : undefined },
    region,
    service: 'bedrock',
    sha256: Sha256,
    applyChecksum: false,
    uriEscapePath: true,
  });
  const out = await signer.sign(request, { signingDate: date, signableHeaders: new Set(signed) });
  return /Signature=([0-9a-f]+)/.exec(out.headers.authorization)[1];
}

// --- Converse request checks -------------------------------------------------------------

class Invalid extends Error {}
const fail = (message) => {
  throw new Invalid(message);
};

const TOP_FIELDS = [
  'messages',
  'system',
  'inferenceConfig',
  'toolConfig',
  'guardrailConfig',
  'additionalModelRequestFields',
  'additionalModelResponseFieldPaths',
  'promptVariables',
  'requestMetadata',
  'performanceConfig',
];
const BLOCK_FIELDS = ['text', 'image', 'document', 'video', 'toolUse', 'toolResult', 'guardContent', 'cachePoint', 'reasoningContent', 'citationsContent'];

function onlyFields(obj, allowed, at) {
  for (const key of Object.keys(obj)) if (!allowed.includes(key)) fail(`Malformed input request: ${at}: extraneous key [${key}] is not permitted, please reformat your input and try again.`);
}

function checkBlock(block, at) {
  if (!block || typeof block !== 'object' || Array.isArray(block)) fail(`Value at '${at}' failed to satisfy constraint: Member must be a structure`);
  onlyFields(block, BLOCK_FIELDS, at);
  if (Object.keys(block).length !== 1) fail(`Value at '${at}' failed to satisfy constraint: Member must have exactly one member set`);
  if (block.text !== undefined && (typeof block.text !== 'string' || !block.text.trim()))
    fail('The text field in the ContentBlock object is blank. Add text to the text field, and try again.');
  if (block.toolUse) {
    onlyFields(block.toolUse, ['toolUseId', 'name', 'input'], `${at}.toolUse`);
    if (typeof block.toolUse.toolUseId !== 'string' || typeof block.toolUse.name !== 'string') fail(`Value at '${at}.toolUse' failed to satisfy constraint: toolUseId and name are required`);
  }
  if (block.toolResult) {
    onlyFields(block.toolResult, ['toolUseId', 'content', 'status'], `${at}.toolResult`);
    if (!Array.isArray(block.toolResult.content)) fail(`Value at '${at}.toolResult.content' failed to satisfy constraint: Member must not be null`);
  }
  if (block.image) {
    onlyFields(block.image, ['format', 'source'], `${at}.image`);
    if (!['png', 'jpeg', 'gif', 'webp'].includes(block.image.format))
      fail(`Value '${block.image.format}' at '${at}.image.format' failed to satisfy constraint: Member must satisfy enum value set: [gif, jpeg, png, webp]`);
  }
}

function checkMessages(messages) {
  if (!Array.isArray(messages)) fail("Value at 'messages' failed to satisfy constraint: Member must not be null");
  if (!messages.length) fail('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
  messages.forEach((m, i) => {
    const at = `messages.${i + 1}.member`;
    onlyFields(m, ['role', 'content'], at);
    if (m.role !== 'user' && m.role !== 'assistant') fail(`Value '${m.role}' at '${at}.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]`);
    if (!Array.isArray(m.content)) fail(`Value at '${at}.content' failed to satisfy constraint: Member must not be null`);
    if (!m.content.length) fail(`The content field in the Message object at messages.${i}.content is empty. Add a ContentBlock object to the content field and try again.`);
    m.content.forEach((b, j) => checkBlock(b, `${at}.content.${j + 1}.member`));
  });
  if (messages[0].role !== 'user') fail('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
  for (let i = 1; i < messages.length; i++)
    if (messages[i].role === messages[i - 1].role)
      fail('A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.');
  messages.forEach((m, i) => {
    const results = m.content.filter((b) => b.toolResult).map((b) => b.toolResult.toolUseId);
    const uses = i > 0 ? messages[i - 1].content.filter((b) => b.toolUse).map((b) => b.toolUse.toolUseId) : [];
    if (results.length > uses.length) fail(`The number of toolResult blocks at messages.${i}.content exceeds the number of toolUse blocks of previous turn.`);
    const missing = m.role === 'user' ? uses.filter((id) => !results.includes(id)) : [];
    if (missing.length) fail(`Expected toolResult blocks at messages.${i}.content for the following Ids: ${missing.join(', ')}`);
  });
}

function checkRequest(body) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) fail('Malformed input request, please reformat your input and try again.');
  onlyFields(body, TOP_FIELDS, '#');
  checkMessages(body.messages);
  if (body.system !== undefined) {
    if (!Array.isArray(body.system)) fail("Value at 'system' failed to satisfy constraint: Member must be a list");
    body.system.forEach((b, i) => onlyFields(b, ['text', 'guardContent', 'cachePoint'], `system.${i + 1}.member`));
  }
  const inference = body.inferenceConfig;
  if (inference !== undefined) {
    onlyFields(inference, ['maxTokens', 'temperature', 'topP', 'stopSequences'], 'inferenceConfig');
    if (inference.maxTokens !== undefined && (!Number.isInteger(inference.maxTokens) || inference.maxTokens < 1))
      fail(`Value '${inference.maxTokens}' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1`);
    if (inference.temperature !== undefined && (inference.temperature < 0 || inference.temperature > 1))
      fail(`Value '${inference.temperature}' at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value less than or equal to 1`);
  }
  if (body.toolConfig !== undefined) {
    onlyFields(body.toolConfig, ['tools', 'toolChoice'], 'toolConfig');
    if (!Array.isArray(body.toolConfig.tools) || !body.toolConfig.tools.length)
      fail("Value at 'toolConfig.tools' failed to satisfy constraint: Member must have length greater than or equal to 1");
    body.toolConfig.tools.forEach((t, i) => {
      onlyFields(t, ['toolSpec', 'cachePoint', 'systemTool'], `toolConfig.tools.${i + 1}.member`);
      if (t.toolSpec) {
        onlyFields(t.toolSpec, ['name', 'description', 'inputSchema', 'strict'], `toolConfig.tools.${i + 1}.member.toolSpec`);
        if (!t.toolSpec.inputSchema?.json) fail(`Value at 'toolConfig.tools.${i + 1}.member.toolSpec.inputSchema' failed to satisfy constraint: Member must not be null`);
      }
    });
    const choice = body.toolConfig.toolChoice;
    if (choice !== undefined) {
      onlyFields(choice, ['auto', 'any', 'tool'], 'toolConfig.toolChoice');
      if (Object.keys(choice).length !== 1) fail("Value at 'toolConfig.toolChoice' failed to satisfy constraint: Member must have exactly one member set");
    }
  }
  const usesTools = body.messages.some((m) => m.content.some((b) => b.toolUse || b.toolResult));
  if (usesTools && !body.toolConfig)
    fail('The toolConfig field must be defined when using toolUse and toolResult content blocks.');
}

// --- replies ----------------------------------------------------------------------------

function promptOf(body) {
  const text = (blocks) => blocks.map((b) => b.text ?? (b.toolResult ? JSON.stringify(b.toolResult.content) : '')).join(' ');
  return [text(body.system ?? []), ...body.messages.map((m) => text(m.content))].join('\n');
}

function answer(body, settings, modelId) {
  const last = body.messages[body.messages.length - 1];
  const results = last.content.filter((b) => b.toolResult);
  const prompt = last.content.map((b) => b.text ?? '').join(' ');
  const specs = (body.toolConfig?.tools ?? []).filter((t) => t.toolSpec).map((t) => t.toolSpec);
  const choice = body.toolConfig?.toolChoice;
  const forced = choice?.tool?.name ?? (choice?.any ? specs[0]?.name : null);
  const toolName = !results.length && specs.length ? requestedTool(specs.map((s) => s.name), prompt, forced) : null;
  const blocks = [];
  let stopReason = 'end_turn';
  let text;
  if (toolName) {
    text = `Let me use ${toolName}.`;
    stopReason = 'tool_use';
  } else {
    text = results.length ? `tool result received: ${results[0].toolResult.content.map((c) => c.text ?? JSON.stringify(c.json)).join(' ')}` : `mock reply from ${settings.name}: ${modelId}`;
    const [stopped, hit] = applyStop(text, body.inferenceConfig?.stopSequences);
    if (hit) {
      text = stopped;
      stopReason = 'stop_sequence';
    }
    const [cut, truncated] = applyMaxTokens(text, body.inferenceConfig?.maxTokens);
    if (truncated) {
      text = cut;
      stopReason = 'max_tokens';
    }
  }
  if (text) blocks.push({ text });
  if (toolName) {
    const spec = specs.find((s) => s.name === toolName);
    blocks.push({ toolUse: { toolUseId: randomId('tooluse_', 11), name: toolName, input: argumentsFor(spec.inputSchema.json, prompt) } });
  }
  const outputTokens = wordsOf(text) + (toolName ? tokensOf(JSON.stringify(blocks.at(-1).toolUse.input)) : 0);
  const hasCachePoint = [...(body.system ?? []), ...body.messages.flatMap((m) => m.content)].some((b) => b.cachePoint);
  const inputTokens = tokensOf(promptOf(body));
  const usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
  if (hasCachePoint) Object.assign(usage, { cacheReadInputTokens: 0, cacheWriteInputTokens: Math.floor(inputTokens / 2) });
  return { blocks, stopReason, usage };
}

// Real frames carry a random-length "p" field (padding against traffic analysis).
const padding = () => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.slice(0, 1 + (randomBytes(1)[0] % 40));

function eventFrame(type, payload) {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: fromUtf8(JSON.stringify({ ...payload, p: padding() })),
  });
}

function exceptionFrame(type, message) {
  return codec.encode({
    headers: {
      ':exception-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

async function converseStream(ctx, reply) {
  const { settings } = ctx;
  const out = ctx.startStream(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': randomUUID() });
  const frames = [eventFrame('messageStart', { role: 'assistant' })];
  let deltas = 0;
  const delta = (index, d) => {
    if (settings.stream_exception && deltas === settings.stream_exception_after) return false;
    deltas++;
    frames.push(eventFrame('contentBlockDelta', { contentBlockIndex: index, delta: d }));
    return true;
  };
  let ok = true;
  for (const [index, block] of reply.blocks.entries()) {
    if (block.text !== undefined) {
      for (const text of pieces(block.text, settings.chunk_size)) if (ok) ok = delta(index, { text });
    } else {
      const { toolUseId, name, input } = block.toolUse;
      frames.push(eventFrame('contentBlockStart', { contentBlockIndex: index, start: { toolUse: { toolUseId, name } } }));
      for (const piece of pieces(JSON.stringify(input), settings.chunk_size)) if (ok) ok = delta(index, { toolUse: { input: piece } });
    }
    if (!ok) break;
    frames.push(eventFrame('contentBlockStop', { contentBlockIndex: index }));
  }
  if (!ok) {
    frames.push(exceptionFrame(settings.stream_exception, exceptionMessage(settings.stream_exception)));
    ctx.count('stream_exceptions');
  } else {
    frames.push(eventFrame('messageStop', { stopReason: reply.stopReason }));
    frames.push(eventFrame('metadata', { usage: reply.usage, metrics: { latencyMs: 42 } }));
  }
  for (const frame of frames) if (!(await out.write(frame))) break;
  out.end();
}

function exceptionMessage(type) {
  if (type === 'throttlingException') return 'Too many requests, please wait before trying again.';
  if (type === 'validationException') return 'Input is too long for requested model.';
  if (type === 'serviceUnavailableException') return 'Bedrock is unable to process your request.';
  return 'The system encountered an unexpected error during processing. Try your request again.';
}

async function converse(ctx, modelId, streaming) {
  const denied = await verifySigV4(ctx);
  if (denied) return awsError(ctx, ...[denied[0], denied[1], denied[2]]);
  const parsed = ctx.json();
  if (!parsed.ok) return awsError(ctx, 400, 'SerializationException', `Unexpected character in the request body: ${parsed.error}`);
  try {
    checkRequest(parsed.value);
  } catch (e) {
    if (e instanceof Invalid) return awsError(ctx, 400, 'ValidationException', e.message);
    throw e;
  }
  if (!/^([a-z]{2}\.)?[a-z0-9-]+\.[a-z0-9.:-]+$/.test(modelId) && !modelId.startsWith('arn:'))
    return awsError(ctx, 400, 'ValidationException', 'The provided model identifier is invalid.');
  ctx.count(streaming ? 'converse_stream' : 'converse');
  const injected = takeInjectedError(ctx.settings);
  if (injected) {
    ctx.count('errors_injected');
    const type = ERROR_TYPES[injected] ?? 'InternalServerException';
    return awsError(ctx, injected, type, injected === 429 ? 'Too many requests, please wait before trying again.' : `Injected ${type}`);
  }
  const reply = answer(parsed.value, ctx.settings, modelId);
  if (streaming) return converseStream(ctx, reply);
  return ctx.send(
    200,
    { output: { message: { role: 'assistant', content: reply.blocks } }, stopReason: reply.stopReason, usage: reply.usage, metrics: { latencyMs: 42 } },
    { 'x-amzn-requestid': randomUUID() },
  );
}

// --- credential endpoints ------------------------------------------------------------------

function issueCredentials(ctx, source) {
  const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const creds = {
    secret: randomBytes(30).toString('base64'),
    token: `IQoJb3JpZ2luX2VjE${randomBytes(48).toString('base64')}`,
    expires: Date.now() + ctx.settings.credential_ttl * 1000,
    source,
  };
  temporary.set(accessKeyId, creds);
  ctx.count(`issued_${source}`);
  const expiration = new Date(creds.expires).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { accessKeyId, secretAccessKey: creds.secret, sessionToken: creds.token, expiration };
}

const xmlEscape = (s) => String(s).replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

function stsError(ctx, status, code, message) {
  ctx.count('sts_errors');
  const xml = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>${code}</Code>
    <Message>${xmlEscape(message)}</Message>
  </Error>
  <RequestId>${randomUUID()}</RequestId>
</ErrorResponse>
`;
  return ctx.send(status, xml, { 'content-type': 'text/xml' });
}

// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
function sts(ctx) {
  const params = new URLSearchParams(ctx.method === 'POST' ? ctx.text : ctx.url.search);
  if (params.get('Action') !== 'AssumeRoleWithWebIdentity') return stsError(ctx, 400, 'InvalidAction', `Could not find operation ${params.get('Action')} for version ${params.get('Version')}`);
  if (params.get('Version') !== '2011-06-15') return stsError(ctx, 400, 'InvalidParameterValue', 'Version must be 2011-06-15');
  const roleArn = params.get('RoleArn');
  const session = params.get('RoleSessionName');
  if (!roleArn || !session || !params.get('WebIdentityToken')) return stsError(ctx, 400, 'MissingParameter', 'RoleArn, RoleSessionName and WebIdentityToken are required');
  if (!/^[\w+=,.@-]{2,64}$/.test(session)) return stsError(ctx, 400, 'ValidationError', `1 validation error detected: Value '${session}' at 'roleSessionName' failed to satisfy constraint`);
  if (params.get('WebIdentityToken') !== ctx.settings.web_identity_token) return stsError(ctx, 400, 'InvalidIdentityToken', "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements");
  if (roleArn !== ctx.settings.role_arn) return stsError(ctx, 403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
  const c = issueCredentials(ctx, 'sts');
  const role = roleArn.split('/').pop();
  const xml = `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:default:routeiq</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/${xmlEscape(role)}/${xmlEscape(session)}</Arn>
      <AssumedRoleId>AROAMOCKROLEID00000001:${xmlEscape(session)}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>${c.sessionToken}</SessionToken>
      <SecretAccessKey>${c.secretAccessKey}</SecretAccessKey>
      <Expiration>${c.expiration}</Expiration>
      <AccessKeyId>${c.accessKeyId}</AccessKeyId>
    </Credentials>
    <Provider>oidc.mock</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>${randomUUID()}</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>
`;
  return ctx.send(200, xml, { 'content-type': 'text/xml' });
}

// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html
function imds(ctx) {
  if (ctx.path === '/latest/api/token') {
    if (ctx.method !== 'PUT') return ctx.send(405, '');
    if (ctx.headers['x-forwarded-for']) return ctx.send(403, '');
    const ttl = Number(ctx.headers['x-aws-ec2-metadata-token-ttl-seconds']);
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return ctx.send(400, '');
    const token = randomBytes(32).toString('base64');
    imdsTokens.set(token, Date.now() + ttl * 1000);
    ctx.count('imds_tokens');
    return ctx.send(200, token, { 'x-aws-ec2-metadata-token-ttl-seconds': String(ttl) });
  }
  const token = ctx.headers['x-aws-ec2-metadata-token'];
  const expiry = token ? imdsTokens.get(token) : undefined;
  if (!expiry || expiry <= Date.now()) {
    ctx.count('imds_unauthorized');
    return ctx.send(401, '');
  }
  if (ctx.method !== 'GET') return ctx.send(405, '');
  const base = '/latest/meta-data/iam/security-credentials/';
  if (ctx.path === base || ctx.path === base.slice(0, -1)) return ctx.send(200, ctx.settings.imds_role);
  if (ctx.path !== base + ctx.settings.imds_role) return ctx.send(404, '');
  const c = issueCredentials(ctx, 'imds');
  return ctx.send(200, {
    Code: 'Success',
    LastUpdated: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    Type: 'AWS-HMAC',
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    Token: c.sessionToken,
    Expiration: c.expiration,
  });
}

// https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html
function ecs(ctx) {
  if (ctx.method !== 'GET') return ctx.send(405, '');
  if (ctx.settings.ecs_auth_token && ctx.headers.authorization !== ctx.settings.ecs_auth_token) {
    ctx.count('ecs_unauthorized');
    return ctx.send(401, { code: 'AccessDenied', message: 'Unauthorized' });
  }
  const c = issueCredentials(ctx, 'ecs');
  return ctx.send(200, {
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    Token: c.sessionToken,
    Expiration: c.expiration,
    RoleArn: ctx.settings.role_arn,
  });
}

// --- routes ---------------------------------------------------------------------------------

const CONVERSE = /^\/model\/([^/]+)\/(converse|converse-stream)$/;

async function handle(ctx) {
  const m = CONVERSE.exec(ctx.path);
  if (m && ctx.method === 'POST') return converse(ctx, decodeURIComponent(m[1]), m[2] === 'converse-stream');
  if (ctx.path === '/' && (ctx.method === 'POST' || ctx.url.searchParams.has('Action'))) return sts(ctx);
  if (ctx.path.startsWith('/latest/')) return imds(ctx);
  if (ctx.path === ctx.settings.ecs_path) return ecs(ctx);
  return awsError(ctx, 404, 'UnknownOperationException', `Unknown operation ${ctx.method} ${ctx.path}`);
}

// The access key id (not secret) tells which credential source signed a request.
function describeRequest(ctx) {
  const key = /Credential=([^/]+)\//.exec(ctx.headers.authorization ?? '')?.[1];
  return key ? { aws_access_key_id: key } : {};
}

createMock({ name: 'bedrock', defaults, handle, describeRequest });
