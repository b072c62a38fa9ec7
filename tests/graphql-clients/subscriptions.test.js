// graphql-ws (the reference graphql-transport-ws client) against `engage serve`: the seeded
// history replayed over a subscription, exactly and in order, then a clean completion; and
// the protocol's rule that nothing may be subscribed before connection_init.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { allEvents, post, seededEvents, wsUrl } from './lib/server.js';

const FIELDS = 'eventId position streamId streamVersion eventType hash';

test('subscribing from position 0 replays exactly the seeded events, in order, then completes cleanly', { timeout: 60_000 }, async () => {
  const head = await post({ query: '{ head { position } }' });
  assert.equal(head.status, 200, head.text);
  const count = head.json.data.head.position;
  if (seededEvents !== null) assert.equal(count, seededEvents, 'the head is the seeded history');
  assert.ok(count > 0, 'the store is seeded');
  const expected = await allEvents(FIELDS);
  assert.equal(expected.length, count);

  let closed;
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    on: { closed: (event) => (closed = event) },
  });
  const received = [];
  const subscription = client.iterate({
    query: `subscription Replay($from: Int) { events(fromPosition: $from) { ${FIELDS} } }`,
    variables: { from: 0 },
  });
  for await (const result of subscription) {
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    received.push(result.data.events);
    if (received.length === count) break; // completes the subscription (a `complete` message)
  }

  assert.deepEqual(
    received.map((e) => e.position),
    Array.from({ length: count }, (_, i) => i + 1),
    'positions are 1, 2, 3, … with no gap or repeat',
  );
  assert.deepEqual(received, expected, 'the same events, field for field, as a read over HTTP');

  // With `lazy`, the client closes the socket once its last subscription completed.
  await client.dispose();
  for (let i = 0; i < 100 && closed === undefined; i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(closed, 'the socket closed');
  assert.equal(closed.code, 1000, `closed with ${closed.code} ${closed.reason}`);
  assert.equal(closed.wasClean, true);
});

test('a live-only subscription is acknowledged, stays quiet, and is completed by the client', { timeout: 30_000 }, async () => {
  // Nothing is appended while the tests run (the server is the store's only writer), so a
  // subscription without fromPosition receives nothing until the client completes it.
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
  try {
    let acknowledged = false;
    const outcome = new Promise((resolve, reject) => {
      const unsubscribe = client.subscribe(
        { query: 'subscription { events { position } }' },
        {
          next: (value) => reject(new Error(`unexpected event: ${JSON.stringify(value)}`)),
          error: reject,
          complete: () => resolve('completed'),
        },
      );
      client.on('connected', () => {
        acknowledged = true;
        setTimeout(unsubscribe, 300);
      });
    });
    assert.equal(await outcome, 'completed');
    assert.ok(acknowledged);
  } finally {
    await client.dispose();
  }
});

async function rawSocket() {
  const ws = new WebSocket(wsUrl, 'graphql-transport-ws');
  await once(ws, 'open');
  assert.equal(ws.protocol, 'graphql-transport-ws');
  return ws;
}

test('a subscribe before connection_init closes the socket with 4401 Unauthorized', { timeout: 10_000 }, async () => {
  const ws = await rawSocket();
  const closing = once(ws, 'close');
  ws.send(
    JSON.stringify({
      id: '1',
      type: 'subscribe',
      payload: { query: 'subscription { events(fromPosition: 1) { position } }' },
    }),
  );
  const [code, reason] = await closing;
  assert.equal(code, 4401, `closed with ${code} ${reason}`);
});

test('a second subscribe with an id in use closes the socket with 4409', { timeout: 10_000 }, async () => {
  const ws = await rawSocket();
  const messages = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  while (!messages.some((m) => m.type === 'connection_ack')) await once(ws, 'message');
  const closing = once(ws, 'close');
  const subscribe = {
    id: 'same',
    type: 'subscribe',
    payload: { query: 'subscription { events { position } }' },
  };
  ws.send(JSON.stringify(subscribe));
  ws.send(JSON.stringify(subscribe));
  const [code, reason] = await closing;
  assert.equal(code, 4409, `closed with ${code} ${reason}`);
  assert.match(String(reason), /same/);
});
