// Where the server under test is, and small helpers to talk to it with Node's own fetch.
// scripts/client-tests starts `engage serve` on a seeded store and sets ENGAGE_URL.

import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const base = process.env.ENGAGE_URL;
if (!base) {
  throw new Error(
    'ENGAGE_URL is not set: run these tests with scripts/client-tests, which seeds a store, ' +
      'starts `engage serve` on it and points ENGAGE_URL at it (e.g. http://127.0.0.1:8080)',
  );
}

export const graphqlUrl = new URL('/graphql', base).href;
export const wsUrl = graphqlUrl.replace(/^http/, 'ws');

/** How many events scripts/client-tests seeded, or null when it was not told. */
export const seededEvents = process.env.ENGAGE_SEEDED_EVENTS
  ? Number(process.env.ENGAGE_SEEDED_EVENTS)
  : null;

/** The server's request body limit (engage serve --max-body-bytes; 1 MiB by default). */
export const maxBodyBytes = Number(process.env.ENGAGE_MAX_BODY_BYTES ?? 1024 * 1024);

/** The repository's root directory. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** What Apollo Client and graphql-http's client send as Accept. */
export const ACCEPT = 'application/graphql-response+json, application/json;q=0.9';

/** Lowercase hex SHA-256, as Apollo's persisted-query link computes it. */
export function sha256(text) {
  return createHash('sha256').update(text).digest('hex');
}

async function reply(response) {
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** POST a JSON body (an object, or a string sent as it is). */
export async function post(body, headers = {}) {
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return reply(response);
}

/** GET with these URL parameters; objects are sent as JSON, as GraphQL over HTTP asks. */
export async function get(params, headers = {}) {
  const url = new URL(graphqlUrl);
  for (const [key, value] of Object.entries(params)) {
    url.searchParams.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  const response = await fetch(url, { headers: { accept: ACCEPT, ...headers } });
  return reply(response);
}

/** The `extensions.code` of every error of a reply. */
export function codes(r) {
  return (r.json?.errors ?? []).map((e) => e.extensions?.code);
}

/** Every event of the log, read over HTTP page by page. */
export async function allEvents(fields = 'eventId position streamId streamVersion eventType hash') {
  const query = `query Page($after: String) {
    events(first: 500, after: $after) { pageInfo { hasNextPage endCursor } nodes { ${fields} } }
  }`;
  const events = [];
  let after = null;
  for (;;) {
    const r = await post({ query, variables: { after } });
    if (r.status !== 200 || r.json?.errors) {
      throw new Error(`reading the log failed: ${r.status} ${r.text}`);
    }
    const page = r.json.data.events;
    events.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) return events;
    after = page.pageInfo.endCursor;
  }
}
