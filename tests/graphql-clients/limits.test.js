// The server's request limits seen from a client: the body size limit (413) and the depth
// limit (a validation error naming the limit), which the standard introspection query and
// ordinary queries stay within.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getIntrospectionQuery } from 'graphql';
import { codes, maxBodyBytes, post } from './lib/server.js';

/** A request body of exactly `size` bytes: a valid query padded by a variable. */
function bodyOfSize(size) {
  const skeleton = JSON.stringify({ query: '{ __typename }', variables: { pad: '' } });
  return skeleton.replace('"pad":""', `"pad":"${'x'.repeat(size - skeleton.length)}"`);
}

test('a body over the limit is refused with 413 PAYLOAD_TOO_LARGE', async () => {
  const body = bodyOfSize(maxBodyBytes + 1);
  assert.equal(Buffer.byteLength(body), maxBodyBytes + 1);
  const r = await post(body);
  assert.equal(r.status, 413, r.text.slice(0, 300));
  assert.deepEqual(codes(r), ['PAYLOAD_TOO_LARGE']);
  assert.equal('data' in r.json, false);
  assert.match(r.json.errors[0].message, new RegExp(`${maxBodyBytes} bytes`));
});

test('a body at the limit is accepted', async () => {
  const body = bodyOfSize(maxBodyBytes);
  assert.equal(Buffer.byteLength(body), maxBodyBytes);
  const r = await post(body);
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.deepEqual(r.json, { data: { __typename: 'Query' } });
});

/** `{ __type(name: "Event") { ofType { … name … } } }`, `depth` fields deep. */
function nested(depth) {
  let selection = 'name';
  for (let i = 0; i < depth - 2; i++) selection = `ofType { ${selection} }`;
  return `{ __type(name: "Event") { ${selection} } }`;
}

test('a query over the depth limit is a 400 validation error that names the limit', async () => {
  const r = await post({ query: nested(21) });
  assert.equal(r.status, 400, r.text);
  assert.equal('data' in r.json, false);
  assert.deepEqual(codes(r), ['GRAPHQL_VALIDATION_FAILED']);
  assert.match(r.json.errors[0].message, /nested more than 20 levels deep/);
});

test('a query at the depth limit runs', async () => {
  const r = await post({ query: nested(20) });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.errors, undefined, r.text);
  assert.equal(r.json.data.__type.ofType, null);
});

test('the standard introspection query is within the limits', async () => {
  const r = await post({ query: getIntrospectionQuery() });
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.equal(r.json.errors, undefined);
  assert.ok(r.json.data.__schema.types.length > 10);
});

test('a query over the complexity limit is a 400 validation error that names the limit', async () => {
  const fields = 'eventId position streamId eventType payload hash actor { id role organisation }';
  const aliased = Array.from({ length: 5 }, (_, i) => `a${i}: events(first: 500) { nodes { ${fields} } }`);
  const r = await post({ query: `{ ${aliased.join(' ')} }` });
  assert.equal(r.status, 400, r.text);
  assert.deepEqual(codes(r), ['GRAPHQL_VALIDATION_FAILED']);
  assert.match(r.json.errors[0].message, /20000/);
});
