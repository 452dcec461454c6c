// Interoperability check: panva's OpenID-Certified relying-party library `openid-client` (v6)
// against our provider. The library plays the relying party; plain fetch plays the user's
// browser (manual redirects, a small cookie jar, the hosted login and consent forms).
//
// Run by `make interop` (see interop/run.sh), which starts a throwaway provider and passes:
//   INTEROP_ISSUER        issuer URL of the running provider (http://127.0.0.1:5088)
//   INTEROP_REDIRECT_URI  redirect URI registered for both user clients (never connected to)
//   INTEROP_USER          JSON {"email", "password"} of a verified user
//   INTEROP_CONFIDENTIAL  JSON {"client_id", "client_secret"}   (authorization_code, refresh_token)
//   INTEROP_PUBLIC        JSON {"client_id"}                    (public client, PKCE only)
//   INTEROP_SERVICE       JSON {"client_id", "client_secret"}   (client_credentials,
//                                                               scope "bookings:read introspection")
// Prints one PASS/FAIL line per check and `interop: N passed, M failed`; exits 1 on any FAIL.

import { createRequire } from 'node:module'
import * as client from 'openid-client'

const require = createRequire(import.meta.url)
const LIBRARY_VERSION = require('openid-client/package.json').version

function required(name) {
  const value = process.env[name]
  if (!value) {
    console.error(`check.mjs: environment variable ${name} is not set (run it through make interop)`)
    process.exit(2)
  }
  return value
}

const ISSUER = required('INTEROP_ISSUER')
const REDIRECT_URI = required('INTEROP_REDIRECT_URI')
const USER = JSON.parse(required('INTEROP_USER'))
const CONFIDENTIAL = JSON.parse(required('INTEROP_CONFIDENTIAL'))
const PUBLIC = JSON.parse(required('INTEROP_PUBLIC'))
const SERVICE = JSON.parse(required('INTEROP_SERVICE'))
const USER_SCOPE = 'openid profile email phone roles offline_access'
const VERBOSE = Boolean(process.env.INTEROP_VERBOSE)

// ---------------------------------------------------------------------------------------------
// What the library exchanged with the provider: kept so that a FAIL can show the exact response.

const exchanges = []
let exchangeCount = 0

async function recordingFetch(url, options = {}) {
  const response = await fetch(url, options)
  exchangeCount++
  exchanges.push({
    method: options.method || 'GET',
    url: String(url),
    requestBody: typeof options.body === 'string' ? options.body
      : options.body instanceof URLSearchParams ? options.body.toString() : undefined,
    response: response.clone(),
  })
  if (exchanges.length > 20) exchanges.shift()
  return response
}

async function lastExchange() {
  const last = exchanges.at(-1)
  if (!last) return ''
  let body = ''
  try { body = await last.response.text() } catch { body = '(body not readable)' }
  if (body.length > 1500) body = body.slice(0, 1500) + '…'
  const headers = [...last.response.headers].map(([k, v]) => `${k}: ${v}`).join('; ')
  return `\n        last library request: ${last.method} ${last.url}` +
    (last.requestBody ? `\n        request body: ${redact(last.requestBody)}` : '') +
    `\n        response: HTTP ${last.response.status}  ${headers}\n        response body: ${body}`
}

function redact(body) {
  return body.replace(/(client_secret|password)=[^&]*/g, '$1=…')
}

const libraryOptions = { [client.customFetch]: recordingFetch, execute: [client.allowInsecureRequests] }

async function rp(clientId, auth, metadata = {}) {
  const config = await client.discovery(new URL(ISSUER), clientId, metadata, auth, libraryOptions)
  config[client.customFetch] = recordingFetch
  return config
}

// ---------------------------------------------------------------------------------------------
// The user's browser: fetch with manual redirects and a cookie jar.

function htmlUnescape(text) {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
}

function attributes(tag) {
  const attrs = {}
  for (const m of tag.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    attrs[m[1].toLowerCase()] = htmlUnescape(m[2] ?? m[3] ?? m[4] ?? '')
  }
  return attrs
}

function forms(html) {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map((m) => ({
    attrs: attributes(m[1]),
    inputs: [...m[2].matchAll(/<(?:input|button)\b([^>]*)>/gi)].map((i) => attributes(i[1])),
  }))
}

class Browser {
  constructor() {
    this.jar = new Map()
  }

  storeCookies(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      const expired = attrs.some((a) => {
        const [k, v = ''] = a.split('=').map((s) => s.trim())
        return (k.toLowerCase() === 'max-age' && Number(v) <= 0) ||
          (k.toLowerCase() === 'expires' && Date.parse(v) < Date.now())
      })
      if (expired) this.jar.delete(name)
      else this.jar.set(name, value)
    }
  }

  async request(url, { method = 'GET', form } = {}) {
    const headers = { accept: 'text/html', 'accept-language': 'en' }
    if (this.jar.size) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ')
    let body
    if (form) {
      body = new URLSearchParams(form).toString()
      headers['content-type'] = 'application/x-www-form-urlencoded'
    }
    const response = await fetch(url, { method, headers, body, redirect: 'manual' })
    this.storeCookies(response)
    return response
  }

  // Follow redirects until the provider sends the browser to the relying party's redirect URI
  // (returned, never fetched) or shows a page.
  async navigate(url, options) {
    let response = await this.request(url, options)
    for (let hop = 0; hop < 10; hop++) {
      if (response.status < 300 || response.status > 399) {
        return { url, status: response.status, html: await response.text() }
      }
      const location = response.headers.get('location')
      if (!location) throw new Error(`HTTP ${response.status} from ${url} without Location`)
      const next = new URL(location, url)
      if (next.href.startsWith(REDIRECT_URI)) return { callback: next }
      url = next.href
      response = await this.request(url)
    }
    throw new Error(`too many redirects, last ${url}`)
  }

  // The user logs in (if asked) and allows (if asked); returns the callback URL.
  async authorize(authorizationUrl, user = USER) {
    let step = await this.navigate(authorizationUrl.href)
    let logins = 0
    let consents = 0
    this.lastWalk = () => `browser: ${logins ? 'logged in' : 'session reused'}, ` +
      `${consents ? 'consent page allowed' : 'consent remembered'}`
    while (!step.callback) {
      const pageForms = forms(step.html)
      const login = pageForms.find((f) => f.inputs.some((i) => i.name === 'identifier'))
      const consent = pageForms.find((f) => f.inputs.some((i) => i.name === 'decision'))
      if (login && logins++ === 0) {
        const field = (name) => login.inputs.find((i) => i.name === name)?.value ?? ''
        const csrf = field('csrf_token')
        if (!csrf) throw new Error(`login form at ${step.url} has no csrf_token`)
        step = await this.navigate(new URL(login.attrs.action || step.url, step.url).href, {
          method: 'POST',
          form: { identifier: user.email, password: user.password, csrf_token: csrf, next: field('next') },
        })
      } else if (consent && consents++ === 0) {
        const csrf = consent.inputs.find((i) => i.name === 'csrf_token')?.value
        if (!csrf) throw new Error(`consent form at ${step.url} has no csrf_token`)
        step = await this.navigate(new URL(consent.attrs.action || step.url, step.url).href, {
          method: 'POST',
          form: { csrf_token: csrf, decision: 'allow' },
        })
      } else {
        const text = step.html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 400)
        throw new Error(`browser stuck: HTTP ${step.status} at ${step.url}: ${text}`)
      }
    }
    return step.callback
  }
}

// ---------------------------------------------------------------------------------------------
// Checks.

const results = []

function describe(error, depth = 0) {
  if (error === undefined || error === null || depth > 3) return ''
  if (error instanceof URLSearchParams) return error.toString()
  if (error instanceof Response) return `HTTP ${error.status} ${error.headers.get('content-type') ?? ''}`
  if (!(error instanceof Error)) {
    try { return JSON.stringify(error).slice(0, 800) } catch { return String(error) }
  }
  const parts = [`${error.name}: ${error.message}`]
  for (const key of ['code', 'error', 'error_description', 'status']) {
    if (error[key] !== undefined) parts.push(`${key}=${JSON.stringify(error[key])}`)
  }
  const cause = describe(error.cause, depth + 1)
  if (cause) parts.push(`cause: ${cause}`)
  return parts.join('; ')
}

async function check(name, fn) {
  try {
    const detail = await fn()
    results.push({ name, ok: true })
    console.log(`PASS  ${name}${detail ? ` — ${detail}` : ''}`)
  } catch (error) {
    results.push({ name, ok: false })
    const context = error instanceof Skip ? '' : await lastExchange()
    console.log(`FAIL  ${name} — ${error instanceof Skip ? error.message : describe(error)}${context}`)
    if (VERBOSE && !(error instanceof Skip)) console.log(error)
  }
}

class Skip extends Error {}

function needs(...values) {
  if (values.some((v) => v === undefined)) throw new Skip('not run: an earlier check it depends on failed')
}

function assert(condition, message) {
  if (!condition) throw new Error(message)
}

// The library must refuse: resolves to a description of the error it surfaced.
async function expectError(promise, expected) {
  let value
  try {
    value = await promise
  } catch (error) {
    let code = error.error
    if (code === undefined && error instanceof client.WWWAuthenticateChallengeError) {
      code = error.cause?.find((c) => c.parameters?.error)?.parameters.error
      if (code === undefined) {
        try { code = (await error.response.clone().json()).error } catch { /* no JSON body */ }
      }
    }
    if (code !== expected) throw new Error(`expected error ${expected}, library surfaced ${describe(error)}`)
    return `library raised ${error.name} error=${code}` +
      (error.status ? ` (HTTP ${error.status})` : '') +
      (error.error_description ? ` "${error.error_description}"` : '')
  }
  throw new Error(`expected error ${expected}, but the library accepted the response: ${JSON.stringify(value).slice(0, 300)}`)
}

// One authorization request with PKCE S256, state and nonce, walked through by the browser.
async function authorizationRequest(config, browser, extra = {}) {
  const codeVerifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const nonce = client.randomNonce()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: USER_SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  })
  const callback = await browser.authorize(url)
  return { codeVerifier, state, nonce, callback }
}

async function codeFlow(config, browser) {
  const request = await authorizationRequest(config, browser)
  assert(request.callback.searchParams.get('code'), `callback without code: ${request.callback.href}`)
  const tokens = await client.authorizationCodeGrant(config, request.callback, {
    pkceCodeVerifier: request.codeVerifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
    idTokenExpected: true,
  })
  return { request, tokens }
}

function describeTokens(tokens, clientId, nonce) {
  const claims = tokens.claims()
  assert(claims, 'no ID token in the token response')
  assert(claims.iss === ISSUER, `ID token iss ${claims.iss}`)
  assert([claims.aud].flat().includes(clientId), `ID token aud ${JSON.stringify(claims.aud)}`)
  assert(claims.nonce === nonce, 'ID token nonce differs')
  assert(tokens.token_type === 'bearer', `token_type ${tokens.token_type}`)
  assert(tokens.access_token, 'no access_token')
  return `ID token validated by the library (sub=${claims.sub}, kid checked against JWKS), ` +
    `scope="${tokens.scope ?? ''}", refresh_token ${tokens.refresh_token ? 'issued' : 'absent'}`
}

async function main() {
  console.log(`interop: openid-client ${LIBRARY_VERSION} against ${ISSUER}`)
  const browser = new Browser()
  const state = {}

  await check('discovery: metadata fetched and issuer validated by the library', async () => {
    state.confidential = await rp(CONFIDENTIAL.client_id, client.ClientSecretBasic(CONFIDENTIAL.client_secret))
    const metadata = state.confidential.serverMetadata()
    assert(metadata.issuer === ISSUER, `issuer ${metadata.issuer}`)
    assert(metadata.authorization_response_iss_parameter_supported === true,
      'authorization_response_iss_parameter_supported is not true: the library would not require iss (RFC 9207)')
    assert(state.confidential.serverMetadata().supportsPKCE('S256'), 'S256 not in code_challenge_methods_supported')
    for (const method of ['client_secret_basic', 'client_secret_post', 'none']) {
      assert(metadata.token_endpoint_auth_methods_supported?.includes(method), `${method} not advertised`)
    }
    return `issuer ${metadata.issuer}, RFC 9207 iss required, PKCE S256`
  })

  await check('confidential client (client_secret_basic): code + PKCE S256 + state + nonce, ID token', async () => {
    needs(state.confidential)
    const request = await authorizationRequest(state.confidential, browser)
    const { callback } = request
    assert(callback.searchParams.get('iss') === ISSUER, `callback iss ${callback.searchParams.get('iss')}`)
    state.basicRequest = request
    state.basic = await client.authorizationCodeGrant(state.confidential, callback, {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
      idTokenExpected: true,
    })
    assert(state.basic.refresh_token, 'no refresh_token although offline_access was granted')
    return `${browser.lastWalk()}; ${describeTokens(state.basic, CONFIDENTIAL.client_id, request.nonce)}`
  })

  await check('RFC 9207: library refuses a callback whose iss is missing or foreign', async () => {
    needs(state.confidential)
    const request = await authorizationRequest(state.confidential, browser)
    const checks = { pkceCodeVerifier: request.codeVerifier, expectedState: request.state, expectedNonce: request.nonce }
    const withoutIss = new URL(request.callback)
    withoutIss.searchParams.delete('iss')
    const foreignIss = new URL(request.callback)
    foreignIss.searchParams.set('iss', 'https://attacker.example')
    for (const url of [withoutIss, foreignIss]) {
      try {
        await client.authorizationCodeGrant(state.confidential, url, checks)
      } catch (error) {
        assert(/iss/.test(error.cause?.message ?? error.message), `refused for another reason: ${describe(error)}`)
        continue
      }
      throw new Error(`library accepted ${url.href}`)
    }
    // The real callback (iss present and ours) is still accepted: the code was never sent.
    const tokens = await client.authorizationCodeGrant(state.confidential, request.callback, checks)
    assert(tokens.claims()?.nonce === request.nonce, 'nonce')
    return 'missing iss and foreign iss both refused before the token request; genuine callback accepted'
  })

  await check('userinfo: fetched with the access token, sub matched to the ID token by the library', async () => {
    needs(state.basic)
    const sub = state.basic.claims().sub
    const info = await client.fetchUserInfo(state.confidential, state.basic.access_token, sub)
    assert(info.sub === sub, 'sub differs')
    assert(info.email === USER.email, `email ${info.email}`)
    return `sub, email=${info.email}, email_verified=${info.email_verified}, phone_number=${info.phone_number}`
  })

  await check('introspection: own access token is active (client_secret_basic)', async () => {
    needs(state.basic)
    const result = await client.tokenIntrospection(state.confidential, state.basic.access_token)
    assert(result.active === true, `active=${result.active}`)
    assert(result.client_id === CONFIDENTIAL.client_id, `client_id ${result.client_id}`)
    assert(result.sub === state.basic.claims().sub, `sub ${result.sub}`)
    return `active=true client_id, sub, scope="${result.scope}", exp=${result.exp}`
  })

  await check('refresh grant: new access and refresh token (rotation)', async () => {
    needs(state.basic?.refresh_token)
    state.refreshed = await client.refreshTokenGrant(state.confidential, state.basic.refresh_token)
    assert(state.refreshed.access_token, 'no access_token')
    assert(state.refreshed.refresh_token, 'no new refresh_token: not rotated')
    assert(state.refreshed.refresh_token !== state.basic.refresh_token, 'same refresh_token returned: not rotated')
    assert(state.refreshed.access_token !== state.basic.access_token, 'same access_token returned')
    const idToken = state.refreshed.claims()
    return `rotated; ${idToken ? `ID token validated (sub=${idToken.sub})` : 'no ID token'}`
  })

  await check('refresh grant: the rotated-out refresh token is refused (invalid_grant)', async () => {
    needs(state.refreshed)
    return expectError(client.refreshTokenGrant(state.confidential, state.basic.refresh_token), 'invalid_grant')
  })

  await check('client_secret_post: code + PKCE + state + nonce, ID token', async () => {
    needs(state.confidential)
    state.postConfig = await rp(CONFIDENTIAL.client_id, client.ClientSecretPost(CONFIDENTIAL.client_secret))
    const { request, tokens } = await codeFlow(state.postConfig, browser)
    const last = exchanges.findLast((e) => e.url.endsWith('/token'))
    assert(last?.requestBody?.includes('client_secret='), 'library did not send client_secret in the body')
    state.post = tokens
    return describeTokens(tokens, CONFIDENTIAL.client_id, request.nonce)
  })

  await check('client credentials grant (client_secret_basic)', async () => {
    state.service = await rp(SERVICE.client_id, client.ClientSecretBasic(SERVICE.client_secret))
    const tokens = await client.clientCredentialsGrant(state.service, { scope: 'bookings:read' })
    assert(tokens.access_token, 'no access_token')
    assert(tokens.token_type === 'bearer', `token_type ${tokens.token_type}`)
    assert(!tokens.refresh_token, 'refresh_token issued to client credentials (RFC 6749 §4.4.3: SHOULD NOT)')
    assert(!tokens.id_token, 'id_token issued without a user')
    const result = await client.tokenIntrospection(state.service, tokens.access_token)
    assert(result.active === true, `introspection of it: active=${result.active}`)
    state.serviceTokens = tokens
    return `scope="${tokens.scope ?? ''}", expires_in=${tokens.expires_in}, introspected active`
  })

  await check('introspection by a resource server (introspection scope): user access token active', async () => {
    needs(state.post, state.service)
    const result = await client.tokenIntrospection(state.service, state.post.access_token, { token_type_hint: 'access_token' })
    assert(result.active === true, `active=${result.active}`)
    assert(result.sub === state.post.claims().sub, `sub ${result.sub}`)
    return `active=true, client_id=${result.client_id}`
  })

  await check('revocation of an access token, then introspection says active=false', async () => {
    needs(state.post, state.service)
    await client.tokenRevocation(state.postConfig, state.post.access_token, { token_type_hint: 'access_token' })
    const result = await client.tokenIntrospection(state.service, state.post.access_token)
    assert(result.active === false, `active=${result.active} after revocation`)
    await expectError(client.fetchUserInfo(state.postConfig, state.post.access_token, client.skipSubjectCheck), 'invalid_token')
    return 'revoked; introspection active=false; userinfo refuses it (invalid_token)'
  })

  await check('revocation of a refresh token, then introspection active=false and refresh refused', async () => {
    needs(state.post?.refresh_token, state.service)
    await client.tokenRevocation(state.postConfig, state.post.refresh_token, { token_type_hint: 'refresh_token' })
    const result = await client.tokenIntrospection(state.service, state.post.refresh_token, { token_type_hint: 'refresh_token' })
    assert(result.active === false, `active=${result.active} after revocation`)
    await expectError(client.refreshTokenGrant(state.postConfig, state.post.refresh_token), 'invalid_grant')
    return 'revoked; introspection active=false; refresh grant refused (invalid_grant)'
  })

  await check('public client (none): code + PKCE S256 + state + nonce, ID token', async () => {
    state.public = await rp(PUBLIC.client_id, client.None())
    const { request, tokens } = await codeFlow(state.public, browser)
    const last = exchanges.findLast((e) => e.url.endsWith('/token'))
    assert(!last?.requestBody?.includes('client_secret'), 'a secret was sent')
    return `${browser.lastWalk()}; ${describeTokens(tokens, PUBLIC.client_id, request.nonce)}`
  })

  await check('error: wrong PKCE code_verifier is refused (invalid_grant)', async () => {
    needs(state.confidential)
    const request = await authorizationRequest(state.confidential, browser)
    return expectError(client.authorizationCodeGrant(state.confidential, request.callback, {
      pkceCodeVerifier: client.randomPKCECodeVerifier(),
      expectedState: request.state,
      expectedNonce: request.nonce,
    }), 'invalid_grant')
  })

  await check('error: an authorization code used twice is refused (invalid_grant)', async () => {
    needs(state.confidential)
    const request = await authorizationRequest(state.confidential, browser)
    const checks = { pkceCodeVerifier: request.codeVerifier, expectedState: request.state, expectedNonce: request.nonce }
    await client.authorizationCodeGrant(state.confidential, request.callback, checks)
    return expectError(client.authorizationCodeGrant(state.confidential, request.callback, checks), 'invalid_grant')
  })

  await check('error: wrong client secret is refused (invalid_client)', async () => {
    needs(state.confidential)
    const wrong = await rp(CONFIDENTIAL.client_id, client.ClientSecretBasic('not-the-secret'))
    const request = await authorizationRequest(wrong, browser)
    return expectError(client.authorizationCodeGrant(wrong, request.callback, {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    }), 'invalid_client')
  })

  await check('error: prompt=none without a session gives login_required (state and iss checked by the library)', async () => {
    needs(state.confidential)
    const fresh = new Browser()
    const codeVerifier = client.randomPKCECodeVerifier()
    const expectedState = client.randomState()
    const url = client.buildAuthorizationUrl(state.confidential, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: expectedState,
      nonce: client.randomNonce(),
      prompt: 'none',
    })
    const step = await fresh.navigate(url.href)
    const before = exchangeCount
    assert(step.callback, `no redirect to the client: HTTP ${step.status} at ${step.url}`)
    const params = step.callback.searchParams
    assert(params.get('iss') === ISSUER, `callback iss=${params.get('iss')}`)
    assert(params.get('state') === expectedState, `callback state=${params.get('state')}`)
    const detail = await expectError(
      client.authorizationCodeGrant(state.confidential, step.callback, { pkceCodeVerifier: codeVerifier, expectedState }),
      'login_required')
    assert(exchangeCount === before, 'the library called the provider although the callback was an error')
    return detail
  })

  const passed = results.filter((r) => r.ok).length
  const failed = results.length - passed
  console.log(`interop: ${passed} passed, ${failed} failed`)
  process.exitCode = failed ? 1 : 0
}

main().catch((error) => {
  console.error(`check.mjs crashed: ${describe(error)}`)
  console.log(`interop: ${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`)
  process.exitCode = 1
})
