// Credentials the gateway fetches itself: the AWS credential chain for Bedrock
// (environment, shared credentials file + profile, web identity via STS, ECS
// container endpoint, IMDSv2) and Microsoft Entra ID tokens for Azure OpenAI.
// The mocks verify what the gateway sends (SigV4 recomputed from the bytes with
// @smithy/signature-v4; only tokens they issued are accepted), so a successful
// call proves the credentials went the whole way.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MASTER_KEY, chatBody, post, sleep, startGateway } from './lib.mjs';
import { startNodeMock, stats, stopAll } from '../mocks/lib.mjs';

// The chain must only see what each case gives it.
for (const name of Object.keys(process.env)) if (name.startsWith('AWS_') || name.startsWith('AZURE_')) delete process.env[name];

const MODEL = 'us.anthropic.claude-sonnet-4-5-v1:0';
const EXPECTED = `mock reply from bedrock: ${MODEL}`;
const STATIC = { id: 'AKIAROUTEIQCHAIN0001', secret: 'routeiq/chain/secret/00000000000000000', token: 'routeiq-static-session-token' };
const dir = mkdtempSync(join(tmpdir(), 'routeiq-creds-'));
const file = (name, text) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
// Nothing from the developer's ~/.aws, and no real instance metadata service.
const ISOLATED = {
  AWS_CONFIG_FILE: join(dir, 'no-config'),
  AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
  AWS_EC2_METADATA_DISABLED: 'true',
};

function bedrockConfig(mock, params = '') {
  return `model_list:
  - model_name: claude
    litellm_params:
      model: bedrock/${MODEL}
      aws_region_name: us-east-1
      api_base: ${mock.base}
${params}router_settings:
  num_retries: 0
general_settings:
  master_key: ${MASTER_KEY}
`;
}

async function chat(gw, content = 'Hello') {
  const r = await post(gw, '/v1/chat/completions', chatBody('claude', { messages: [{ role: 'user', content }] }));
  const body = await r.json();
  return { status: r.status, body };
}

async function assertChatWorks(gw) {
  const { status, body } = await chat(gw);
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.choices[0].message.content, EXPECTED);
}

describe('bedrock credential chain', () => {
  let mock;
  const gateways = [];
  before(async () => {
    mock = await startNodeMock('bedrock', {
      access_key_id: STATIC.id,
      secret_access_key: STATIC.secret,
      session_token: STATIC.token,
      web_identity_token: 'routeiq-oidc-token',
      ecs_auth_token: 'routeiq-ecs-auth',
    });
  });
  after(() => stopAll(...gateways, mock));
  const gateway = async (env, params) => {
    const gw = await startGateway(bedrockConfig(mock, params), [], { ...ISOLATED, ...env });
    gateways.push(gw);
    return gw;
  };

  test('environment variables', async () => {
    const gw = await gateway({ AWS_ACCESS_KEY_ID: STATIC.id, AWS_SECRET_ACCESS_KEY: STATIC.secret, AWS_SESSION_TOKEN: STATIC.token });
    await assertChatWorks(gw);
    const s = await stats(mock);
    assert.equal(s.last_request.aws_access_key_id, STATIC.id);
    assert.ok(s.signed_by_static >= 1);
  });

  test('shared credentials file and AWS_PROFILE', async () => {
    const credentials = file(
      'credentials',
      `[default]
aws_access_key_id = AKIADEFAULTPROFILE01
aws_secret_access_key = not-this-one

[routeiq-test]
aws_access_key_id = ${STATIC.id}
aws_secret_access_key = ${STATIC.secret}
aws_session_token = ${STATIC.token}
`,
    );
    const gw = await gateway({ AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_PROFILE: 'routeiq-test' });
    await assertChatWorks(gw);
    assert.equal((await stats(mock)).last_request.aws_access_key_id, STATIC.id);
  });

  test('web identity token exchanged at STS', async () => {
    const before = (await stats(mock)).issued_sts ?? 0;
    const gw = await gateway({
      AWS_WEB_IDENTITY_TOKEN_FILE: file('oidc-token', 'routeiq-oidc-token\n'),
      AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/mock-bedrock-role',
      AWS_ROLE_SESSION_NAME: 'routeiq-test',
      AWS_ENDPOINT_URL_STS: mock.base,
    });
    await assertChatWorks(gw);
    const s = await stats(mock);
    assert.equal(s.issued_sts - before, 1);
    assert.match(s.last_request.aws_access_key_id, /^ASIA/);
    assert.ok(s.signed_by_sts >= 1);
  });

  test('ECS container credentials with an authorization token', async () => {
    const gw = await gateway({
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${mock.base}/ecs/credentials`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: 'routeiq-ecs-auth',
    });
    await assertChatWorks(gw);
    const s = await stats(mock);
    assert.ok(s.issued_ecs >= 1);
    assert.ok(s.signed_by_ecs >= 1);
    assert.equal(s.ecs_unauthorized ?? 0, 0);
  });

  test('EC2 instance metadata (IMDSv2)', async () => {
    const gw = await gateway({ AWS_EC2_METADATA_SERVICE_ENDPOINT: mock.base, AWS_EC2_METADATA_DISABLED: 'false' });
    await assertChatWorks(gw);
    const s = await stats(mock);
    assert.ok(s.imds_tokens >= 1, 'a session token was requested first');
    assert.ok(s.issued_imds >= 1);
    assert.ok(s.signed_by_imds >= 1);
    assert.equal(s.imds_unauthorized ?? 0, 0);
  });

  test('keys in litellm_params win over the environment', async () => {
    const gw = await gateway(
      { AWS_ACCESS_KEY_ID: 'AKIAENVIRONMENT00001', AWS_SECRET_ACCESS_KEY: 'wrong' },
      `      aws_access_key_id: ${STATIC.id}
      aws_secret_access_key: ${STATIC.secret}
      aws_session_token: ${STATIC.token}
`,
    );
    await assertChatWorks(gw);
  });

  test('a wrong secret: 403 from Bedrock becomes an OpenAI error without the secret', async () => {
    const gw = await gateway(
      {},
      `      aws_access_key_id: ${STATIC.id}
      aws_secret_access_key: routeiq-wrong-secret
      aws_session_token: ${STATIC.token}
`,
    );
    const before = (await stats(mock)).error_InvalidSignatureException ?? 0;
    const { status, body } = await chat(gw);
    assert.equal(status, 403);
    assert.equal(typeof body.error.message, 'string');
    assert.ok(body.error.type);
    assert.ok(!JSON.stringify(body).includes('routeiq-wrong-secret'));
    assert.equal((await stats(mock)).error_InvalidSignatureException, before + 1);
  });
});

describe('bedrock temporary credentials are refreshed before they expire', () => {
  const TTL = 3; // seconds
  let mock;
  const gateways = [];
  before(async () => {
    mock = await startNodeMock('bedrock', { web_identity_token: 'routeiq-oidc-token', credential_ttl: TTL });
  });
  after(() => stopAll(...gateways, mock));

  const sources = {
    ecs: () => ({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${mock.base}/ecs/credentials` }),
    sts: () => ({
      AWS_WEB_IDENTITY_TOKEN_FILE: file('oidc-token-2', 'routeiq-oidc-token'),
      AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/mock-bedrock-role',
      AWS_ROLE_SESSION_NAME: 'routeiq-refresh',
      AWS_ENDPOINT_URL_STS: mock.base,
    }),
    imds: () => ({ AWS_EC2_METADATA_SERVICE_ENDPOINT: mock.base, AWS_EC2_METADATA_DISABLED: 'false' }),
  };
  for (const [source, env] of Object.entries(sources)) {
    test(source, async () => {
      const gw = await startGateway(bedrockConfig(mock), [], { ...ISOLATED, ...env() });
      gateways.push(gw);
      const issued = async () => (await stats(mock))[`issued_${source}`] ?? 0;
      const first = await issued();
      await assertChatWorks(gw);
      assert.ok((await issued()) > first);
      await sleep(TTL * 1000 + 500); // the first credentials are expired now
      const before = await issued();
      await assertChatWorks(gw);
      assert.ok((await issued()) > before, 'new credentials were fetched');
      assert.equal((await stats(mock)).error_ExpiredTokenException ?? 0, 0, 'expired credentials were never sent');
    });
  }
});

describe('azure openai with Microsoft Entra ID', () => {
  let entra;
  const gateways = [];
  before(async () => {
    entra = await startNodeMock('oauth', { tenant_id: 'routeiq-tenant', client_id: 'routeiq-client', client_secret: 'routeiq-secret', static_tokens: 'routeiq-static-aad-token' });
  });
  after(() => stopAll(...gateways, entra));

  const azureConfig = (params) => `model_list:
  - model_name: gpt-4o
    litellm_params:
      model: azure/gpt-4o-deployment
      api_base: ${entra.base}
      api_version: "2024-10-21"
${params}router_settings:
  num_retries: 0
general_settings:
  master_key: ${MASTER_KEY}
`;
  const gateway = async (params) => {
    const gw = await startGateway(azureConfig(params), [], { AZURE_AUTHORITY_HOST: entra.base });
    gateways.push(gw);
    return gw;
  };
  const ask = async (gw) => {
    const r = await post(gw, '/v1/chat/completions', chatBody('gpt-4o'));
    return { status: r.status, body: await r.json() };
  };

  test('client credentials: one token, used as a bearer for several calls', async () => {
    const gw = await gateway(`      tenant_id: routeiq-tenant
      client_id: routeiq-client
      client_secret: routeiq-secret
`);
    const before = (await stats(entra)).tokens_issued ?? 0;
    for (let i = 0; i < 3; i++) {
      const { status, body } = await ask(gw);
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.choices[0].message.content, 'mock reply from azure: gpt-4o-deployment');
    }
    const s = await stats(entra);
    assert.equal(s.tokens_issued - before, 1);
    assert.match(s.last_request.headers.authorization, /^REDACTED/);
    assert.match(s.last_request.target, /api-version=2024-10-21/);
  });

  test('concurrent first requests share one token fetch (single flight)', async () => {
    const gw = await gateway(`      tenant_id: routeiq-tenant
      client_id: routeiq-client
      client_secret: routeiq-secret
`);
    const before = (await stats(entra)).tokens_issued ?? 0;
    const answers = await Promise.all(Array.from({ length: 12 }, () => ask(gw)));
    for (const { status, body } of answers) assert.equal(status, 200, JSON.stringify(body));
    assert.equal((await stats(entra)).tokens_issued - before, 1, 'one fetch for twelve requests on two threads');
  });

  test('azure_ad_token given in the config', async () => {
    const gw = await gateway(`      azure_ad_token: routeiq-static-aad-token
`);
    const { status, body } = await ask(gw);
    assert.equal(status, 200, JSON.stringify(body));
  });

  test('a wrong client secret -> 401 without the secret', async () => {
    const gw = await gateway(`      tenant_id: routeiq-tenant
      client_id: routeiq-client
      client_secret: routeiq-not-the-secret
`);
    const { status, body } = await ask(gw);
    assert.equal(status, 401);
    assert.ok(!JSON.stringify(body).includes('routeiq-not-the-secret'));
  });
});
