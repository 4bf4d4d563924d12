// Pro Santé Connect as the login tests meet it, played by panva's oidc-provider (OpenID
// Certified): discovery, dynamic client registration, the authorization code flow, ID tokens
// signed RS256 under a published JWKS, userinfo as JSON or as a signed JWT (per client), and the
// `acr` of the login. Only what a person does at PSC is scripted here:
//
// - GET /interaction/:uid?sub=…&SubjectNameID=…&given_name=…&family_name=…&acr=eidas1
//   is the person signing in with their e-CPS (the claims are those PSC gives for them;
//   leaving out `acr` signs in without an authentication level), then consenting;
// - POST /_test/rotate replaces the signing key by a new one under a new `kid` (the old key
//   leaves the JWKS), as a provider rotating its keys does;
// - GET /_test/jwks-served tells how often the JWKS was fetched.
//
// Listens on 127.0.0.1 on a free port and prints {"issuer": …} as its first line on stdout.

import { createServer } from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';

import Provider from 'oidc-provider';
// The provider's own in-memory adapter, on its module-wide store rather than one per instance:
// what was registered and granted outlives a key rotation (a new instance, the same store).
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';

class SharedMemoryAdapter extends MemoryAdapter {} // (the class itself gets a store per instance)

const accounts = new Map(); // sub → the claims PSC would give
let jwksServed = 0;
let generation = 0;

function signingKey() {
  generation += 1;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: `k${generation}-${randomUUID()}`, use: 'sig', alg: 'RS256' };
}

function configuration(key) {
  return {
    adapter: SharedMemoryAdapter,
    jwks: { keys: [key] },
    acrValues: ['eidas1', 'eidas2', 'eidas3'],
    claims: {
      acr: null,
      openid: ['sub'],
      scope_all: ['SubjectNameID', 'given_name', 'family_name'],
    },
    features: {
      registration: { enabled: true }, // open registration: the tests register their client
      jwtUserinfo: { enabled: true },
      devInteractions: { enabled: false },
    },
    async findAccount(ctx, sub) {
      const claims = accounts.get(sub);
      if (!claims) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...claims }) };
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['test-only-cookie-key'] },
    pkce: { required: () => false },
    renderError(ctx, out) {
      ctx.type = 'application/json';
      ctx.body = out;
    },
  };
}

const server = createServer();
let issuer = '';
let provider;

function startProvider() {
  provider = new Provider(issuer, configuration(signingKey()));
  provider.proxy = false;
}

async function interaction(req, res, url) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    const sub = url.searchParams.get('sub');
    if (!sub) {
      res.writeHead(400).end('sub is needed');
      return;
    }
    const claims = {};
    for (const name of ['SubjectNameID', 'given_name', 'family_name']) {
      if (url.searchParams.has(name)) claims[name] = url.searchParams.get(name);
    }
    accounts.set(sub, claims);
    const login = { accountId: sub };
    if (url.searchParams.get('acr')) login.acr = url.searchParams.get('acr');
    await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
    return;
  }
  // consent: everything the client asked for
  const { params, session, prompt } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

server.on('request', (req, res) => {
  const url = new URL(req.url, issuer);
  if (url.pathname.startsWith('/interaction/')) {
    interaction(req, res, url).catch((err) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    });
  } else if (url.pathname === '/_test/rotate' && req.method === 'POST') {
    startProvider();
    res.writeHead(204).end();
  } else if (url.pathname === '/_test/jwks-served') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ served: jwksServed }));
  } else {
    if (url.pathname === '/jwks') jwksServed += 1;
    provider.callback()(req, res);
  }
});

server.listen(0, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  startProvider();
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

// The tests end it by closing stdin (or killing it).
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
