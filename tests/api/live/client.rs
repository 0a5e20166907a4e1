//! A Socket.IO client small enough to read: Engine.IO v4 over a WebSocket, Socket.IO v5
//! packets on the default namespace. It speaks what socket.io-client 4 speaks on the wire:
//! the open packet, `40{auth}` to connect, `42[event, data]` events, `42<id>[…]` / `43<id>[…]`
//! acknowledgements, pings answered with pongs.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub struct Client {
    ws: Ws,
    /// Events received while waiting for something else.
    inbox: VecDeque<(String, Value)>,
    acks: VecDeque<(u64, Value)>,
    next_ack: u64,
    closed: bool,
}

/// What the server said to a connection attempt it refused.
#[derive(Debug)]
pub struct Refused(pub String);

enum Packet {
    Event(String, Value),
    Ack(u64, Value),
    Disconnected,
    Other,
}

const WAIT: Duration = Duration::from_secs(5);

impl Client {
    /// Connects with `auth` as the handshake payload (`None` sends none).
    pub async fn connect(addr: SocketAddr, auth: Option<Value>) -> Result<Self, Refused> {
        let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("the WebSocket handshake succeeds");
        let mut client = Self {
            ws,
            inbox: VecDeque::new(),
            acks: VecDeque::new(),
            next_ack: 1,
            closed: false,
        };
        let open = client.frame().await.expect("an Engine.IO open packet");
        assert!(open.starts_with('0'), "open packet, got {open}");
        let connect = match auth {
            Some(a) => format!("40{a}"),
            None => "40".to_owned(),
        };
        client.send(connect).await;
        loop {
            let frame = client.frame().await.expect("an answer to CONNECT");
            if let Some(body) = frame.strip_prefix("40") {
                assert!(body.starts_with('{'), "CONNECT answer {frame}");
                return Ok(client);
            }
            if let Some(body) = frame.strip_prefix("44") {
                let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
                return Err(Refused(v["message"].as_str().unwrap_or(body).to_owned()));
            }
            client.handle(&frame);
        }
    }

    /// Connects with an access token, as the web client does.
    pub async fn with_token(addr: SocketAddr, token: &str) -> Self {
        Self::connect(addr, Some(json!({ "token": token })))
            .await
            .unwrap_or_else(|r| panic!("refused: {}", r.0))
    }

    async fn send(&mut self, text: String) {
        self.ws
            .send(Message::Text(text.into()))
            .await
            .expect("the socket is open");
    }

    /// The next text frame, answering pings on the way; `None` once closed.
    async fn frame(&mut self) -> Option<String> {
        loop {
            match self.ws.next().await {
                Some(Ok(Message::Text(t))) => {
                    let t = t.to_string();
                    if t == "2" {
                        self.send("3".to_owned()).await;
                        continue;
                    }
                    return Some(t);
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                    self.closed = true;
                    return None;
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    fn parse(frame: &str) -> Packet {
        let Some(sio) = frame.strip_prefix('4') else {
            return if frame.starts_with('1') {
                Packet::Disconnected
            } else {
                Packet::Other
            };
        };
        let (kind, rest) = sio.split_at(1.min(sio.len()));
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let body: Value = serde_json::from_str(&rest[digits.len()..]).unwrap_or(Value::Null);
        match kind {
            "2" => {
                let name = body[0].as_str().unwrap_or_default().to_owned();
                Packet::Event(name, body.get(1).cloned().unwrap_or(Value::Null))
            }
            "3" => Packet::Ack(
                digits.parse().unwrap_or(0),
                body.get(0).cloned().unwrap_or(Value::Null),
            ),
            "1" => Packet::Disconnected,
            _ => Packet::Other,
        }
    }

    fn handle(&mut self, frame: &str) {
        match Self::parse(frame) {
            Packet::Event(name, data) => self.inbox.push_back((name, data)),
            Packet::Ack(id, data) => self.acks.push_back((id, data)),
            Packet::Disconnected => self.closed = true,
            Packet::Other => {}
        }
    }

    pub async fn emit(&mut self, event: &str, data: Value) {
        self.send(format!("42{}", json!([event, data]))).await;
    }

    /// Emits and waits for the server's acknowledgement.
    pub async fn call(&mut self, event: &str, data: Value) -> Value {
        let id = self.next_ack;
        self.next_ack += 1;
        self.send(format!("42{id}{}", json!([event, data]))).await;
        let found = tokio::time::timeout(WAIT, async {
            loop {
                if let Some(pos) = self.acks.iter().position(|(i, _)| *i == id) {
                    return self.acks.remove(pos).map(|(_, v)| v);
                }
                let frame = self.frame().await?;
                self.handle(&frame);
            }
        })
        .await;
        found
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("no acknowledgement of {event}"))
    }

    /// The next `event` within `wait`, keeping others for later.
    pub async fn next_within(&mut self, event: &str, wait: Duration) -> Option<Value> {
        tokio::time::timeout(wait, async {
            loop {
                if let Some(pos) = self.inbox.iter().position(|(n, _)| n == event) {
                    return self.inbox.remove(pos).map(|(_, v)| v);
                }
                let frame = self.frame().await?;
                self.handle(&frame);
            }
        })
        .await
        .ok()
        .flatten()
    }

    /// The next `event`, failing the test if it does not come.
    pub async fn next(&mut self, event: &str) -> Value {
        self.next_within(event, WAIT)
            .await
            .unwrap_or_else(|| panic!("no `{event}` event arrived"))
    }

    /// Whether the server closes this socket within `wait`.
    pub async fn closed_within(&mut self, wait: Duration) -> bool {
        let _ = tokio::time::timeout(wait, async {
            while !self.closed {
                match self.frame().await {
                    Some(frame) => self.handle(&frame),
                    None => break,
                }
            }
        })
        .await;
        self.closed
    }

    /// Closes the way socket.io-client does: a Socket.IO DISCONNECT, then the transport.
    pub async fn close(mut self) {
        let _ = self.ws.send(Message::Text("41".into())).await;
        let _ = self.ws.close(None).await;
    }
}
