// Drives a running HireMe with socket.io-client, the library the web client uses, through the
// real-time contract: handshakes accepted and refused, the polling-to-WebSocket upgrade,
// messages over the socket and over HTTP, typing, joining, notifications and presence.
//
// Input: the JSON in HIREME_SCENARIO ({url, ann: {id, token}, bob: {id, token},
// conversation_id, others_conversation_id, expired_token}). Output: one JSON object of what
// was received, on stdout, for the Rust test to check. A wait that times out or an unexpected
// event ends the script with a non-zero exit and the reason on stderr.

import { io } from "socket.io-client";

const env = JSON.parse(process.env.HIREME_SCENARIO);
const { url } = env;
const WAIT_MS = 5000;
const QUIET_MS = 400;

function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The next `event` on `socket`; the listener is in place before this returns. */
function next(socket, event) {
  return within(WAIT_MS, new Promise((resolve) => socket.once(event, resolve)), event);
}

/** Resolves if `event` does not arrive on `socket` for a while, rejects if it does. */
function quiet(socket, event) {
  return new Promise((resolve, reject) => {
    const unexpected = (data) => reject(new Error(`unexpected ${event}: ${JSON.stringify(data)}`));
    socket.once(event, unexpected);
    setTimeout(() => {
      socket.off(event, unexpected);
      resolve();
    }, QUIET_MS);
  });
}

/**
 * Connects with `auth`; resolves with the socket, the `connected` payload, the transport the
 * connection opened on and a promise of the transport it upgrades to.
 */
async function connect(auth, options = {}) {
  const socket = io(url, { auth, reconnection: false, ...options });
  const connected = next(socket, "connected");
  let opened;
  const upgraded = new Promise((resolve) =>
    socket.io.once("open", () => {
      opened = socket.io.engine.transport.name;
      socket.io.engine.once("upgrade", (transport) => resolve(transport.name));
    }),
  );
  const refused = new Promise((_, reject) =>
    socket.once("connect_error", (e) => reject(new Error(`refused: ${e.message}`))),
  );
  const hello = await Promise.race([connected, refused]);
  return { socket, hello, opened, upgraded };
}

/** Connects with `auth` and resolves with the refusal's message. */
function refusal(auth) {
  const socket = io(url, { auth, reconnection: false, transports: ["websocket"] });
  return within(
    WAIT_MS,
    new Promise((resolve, reject) => {
      socket.once("connect", () => reject(new Error("connected with a bad token")));
      socket.once("connect_error", (e) => {
        socket.close();
        resolve(e.message);
      });
    }),
    "connect_error",
  );
}

function call(socket, event, data) {
  return socket.timeout(WAIT_MS).emitWithAck(event, data);
}

async function http(method, path, token, body) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

const seen = {};
const conversation_id = env.conversation_id;

// Refused handshakes: no token, an expired one, one that is not a token at all.
seen.refused_without_token = await refusal({});
seen.refused_expired = await refusal({ token: env.expired_token });
seen.refused_garbage = await refusal({ token: "not-a-token" });

// Bob on a WebSocket from the start; Ann the way the web client connects by default: long
// polling first, then the upgrade to a WebSocket.
const bob = await connect({ token: env.bob.token }, { transports: ["websocket"] });
seen.bob_connected = bob.hello;
const online = next(bob.socket, "user_status");
const ann = await connect({ token: env.ann.token });
seen.ann_connected = ann.hello;
seen.ann_first_transport = ann.opened;
seen.ann_transport = await within(WAIT_MS, ann.upgraded, "the upgrade");
seen.online = await online;

// A message sent over the socket reaches both participants, and the sender's ack has it.
let toBob = next(bob.socket, "new_message");
let toAnn = next(ann.socket, "new_message");
seen.send_ack = await call(ann.socket, "send_message", {
  conversation_id,
  content: "hello from socket.io-client",
});
seen.socket_message = { bob: await toBob, ann: await toAnn };

// So does one sent over HTTP.
toBob = next(bob.socket, "new_message");
toAnn = next(ann.socket, "new_message");
seen.http_send = await http("POST", `/api/messages/conversations/${conversation_id}/messages`, env.bob.token, {
  content: "hello over HTTP",
});
seen.http_message = { bob: await toBob, ann: await toAnn };

// Typing reaches the other participant and is not echoed.
const typing = next(bob.socket, "typing");
const noEcho = quiet(ann.socket, "typing");
ann.socket.emit("typing", { conversation_id, is_typing: true });
seen.typing = await typing;
await noEcho;

// Joining: one's own conversation, not someone else's. A bad message comes back as an error.
seen.join_own = await call(ann.socket, "join_conversation", { conversation_id });
seen.join_others = await call(ann.socket, "join_conversation", {
  conversation_id: env.others_conversation_id,
});
seen.send_empty = await call(ann.socket, "send_message", { conversation_id, content: "   " });

// A notification created by another feature is pushed as it is created.
const note = next(ann.socket, "notification");
seen.follow = await http("POST", `/api/users/follow/${env.ann.id}`, env.bob.token);
seen.notification = await note;

// Ann's last socket closing tells Bob she is offline.
const offline = next(bob.socket, "user_status");
ann.socket.close();
seen.offline = await offline;
bob.socket.close();

console.log(JSON.stringify(seen));
