// Automatic persisted queries (Apollo's APQ protocol) against `engage serve`: first with raw
// requests shaped exactly as Apollo Client sends them, then with Apollo Client itself and its
// PersistedQueryLink, watching what goes over the wire.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { codes, get, graphqlUrl, post, sha256 } from './lib/server.js';

/** A query no other test (or earlier run against this server) has persisted. */
function freshQuery() {
  const alias = `h${randomBytes(8).toString('hex')}`;
  return `query PersistedHead { ${alias}: head { position hash } }`;
}

function persisted(hash) {
  return { persistedQuery: { version: 1, sha256Hash: hash } };
}

test('APQ over raw HTTP: not found, registered, then served by hash over POST and GET', async () => {
  const query = freshQuery();
  const hash = sha256(query);
  const operationName = 'PersistedHead';

  // 1. The hash alone, never seen: PersistedQueryNotFound, a request error (no data).
  let r = await post({ operationName, variables: {}, extensions: persisted(hash) });
  assert.equal(r.status, 400, r.text);
  assert.equal('data' in r.json, false);
  assert.deepEqual(codes(r), ['PERSISTED_QUERY_NOT_FOUND']);
  assert.equal(r.json.errors[0].message, 'PersistedQueryNotFound');

  // ... the same over GET, answered as application/json (legacy clients): 200, same error.
  r = await get(
    { operationName, variables: {}, extensions: persisted(hash) },
    { accept: 'application/json' },
  );
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(codes(r), ['PERSISTED_QUERY_NOT_FOUND']);

  // 2. The query with its hash: run, and remembered.
  r = await post({ query, operationName, variables: {}, extensions: persisted(hash) });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.errors, undefined, r.text);
  const [value] = Object.values(r.json.data);
  assert.equal(typeof value.position, 'number');
  assert.match(value.hash, /^[0-9a-f]{64}$/);

  // 3. The hash alone again, over POST and over GET: the same result.
  r = await post({ operationName, variables: {}, extensions: persisted(hash) });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.values(r.json.data), [value]);

  r = await get({ operationName, variables: {}, extensions: persisted(hash) });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.values(r.json.data), [value]);
  assert.match(r.headers.get('content-type'), /^application\/graphql-response\+json/);
});

test('APQ: a hash that does not match the query is refused and nothing is persisted', async () => {
  const query = freshQuery();
  const wrong = sha256(freshQuery());
  let r = await post({ query, extensions: persisted(wrong) });
  assert.equal(r.status, 400, r.text);
  assert.equal('data' in r.json, false);
  assert.deepEqual(codes(r), ['BAD_REQUEST']);
  assert.match(r.json.errors[0].message, /^provided sha does not match query/);

  r = await post({ extensions: persisted(wrong) });
  assert.deepEqual(codes(r), ['PERSISTED_QUERY_NOT_FOUND']);
  r = await post({ extensions: persisted(sha256(query)) });
  assert.deepEqual(codes(r), ['PERSISTED_QUERY_NOT_FOUND']);
});

test('APQ: an invalid query is not persisted', async () => {
  const query = `{ head { position nope${randomBytes(4).toString('hex')} } }`;
  let r = await post({ query, extensions: persisted(sha256(query)) });
  assert.equal(r.status, 400, r.text);
  assert.deepEqual(codes(r), ['GRAPHQL_VALIDATION_FAILED']);
  r = await post({ extensions: persisted(sha256(query)) });
  assert.deepEqual(codes(r), ['PERSISTED_QUERY_NOT_FOUND']);
});

test('APQ: malformed persistedQuery extensions are 400 BAD_REQUEST', async () => {
  for (const extensions of [
    { persistedQuery: { version: 2, sha256Hash: sha256('{ head { position } }') } },
    { persistedQuery: { version: 1, sha256Hash: 'not-a-hash' } },
    { persistedQuery: { version: 1 } },
    { persistedQuery: 'yes' },
  ]) {
    const r = await post({ extensions });
    assert.equal(r.status, 400, `${JSON.stringify(extensions)}: ${r.text}`);
    assert.deepEqual(codes(r), ['BAD_REQUEST']);
  }
});

test("Apollo Client's PersistedQueryLink: hash, retry with the query, then hash only (GET)", async () => {
  const wire = [];
  async function recordingFetch(url, init) {
    const response = await fetch(url, init);
    const sent = new URL(url);
    const body = init.body ? JSON.parse(init.body) : null;
    wire.push({
      method: init.method ?? 'GET',
      status: response.status,
      hasQuery: Boolean(body?.query ?? sent.searchParams.get('query')),
      hasHash: Boolean(
        body?.extensions?.persistedQuery ??
          JSON.parse(sent.searchParams.get('extensions') ?? 'null')?.persistedQuery,
      ),
    });
    return response;
  }
  const link = new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
    new HttpLink({ uri: graphqlUrl, fetch: recordingFetch }),
  );
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  const document = gql(freshQuery());

  const first = await client.query({ query: document, fetchPolicy: 'network-only' });
  assert.equal(first.error, undefined);
  const [value] = Object.values(first.data);
  assert.equal(typeof value.position, 'number');
  assert.deepEqual(wire, [
    { method: 'GET', status: 400, hasQuery: false, hasHash: true },
    { method: 'POST', status: 200, hasQuery: true, hasHash: true },
  ]);

  wire.length = 0;
  const second = await client.query({ query: document, fetchPolicy: 'network-only' });
  assert.deepEqual(Object.values(second.data), [value]);
  assert.deepEqual(wire, [{ method: 'GET', status: 200, hasQuery: false, hasHash: true }]);
  client.stop();
});
