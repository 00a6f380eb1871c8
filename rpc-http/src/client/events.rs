//! A subscription read as Server-Sent Events (`text/event-stream`), as
//! [`RestTransport`](super::RestTransport) subscribes: each event's `data`
//! is an item's JSON; the event named `end` is the last, with the error that
//! ended the stream or `null`; comments, `id:` and `retry:` are skipped.

use bytes::{Buf, Bytes, BytesMut};
use futures_util::stream::{self, Stream};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use rpc_core::{ClientError, RpcError};
use serde_json::value::RawValue;

/// One event: its name (`message` unless named) and its data lines joined.
#[derive(Debug, PartialEq)]
struct Event {
    name: Option<String>,
    data: String,
}

/// The items of the event stream `body`; no event may pass `max_event`
/// bytes.
pub(crate) fn items(
    body: Incoming,
    max_event: usize,
) -> impl Stream<Item = Result<Box<RawValue>, ClientError>> + Send + 'static {
    struct Reading {
        body: Incoming,
        parser: Parser,
    }
    let reading = Reading {
        body,
        parser: Parser::new(max_event),
    };
    stream::unfold(Some(reading), |reading| async move {
        let mut reading = reading?;
        loop {
            match reading.parser.next_event() {
                Err(err) => return Some((Err(err), None)),
                Ok(Some(event)) if event.name.as_deref() == Some("end") => {
                    return end(&event.data).map(|err| (Err(err), None));
                }
                Ok(Some(event)) => {
                    let item = RawValue::from_string(event.data).map_err(ClientError::decode);
                    return Some((item, Some(reading)));
                }
                Ok(None) => {}
            }
            match reading.body.frame().await {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        reading.parser.push(data);
                    }
                }
                Some(Err(err)) => {
                    let err = ClientError::interrupted(format!("the event stream broke: {err}"));
                    return Some((Err(err), None));
                }
                None => {
                    let err =
                        ClientError::interrupted("the event stream closed before its `end` event");
                    return Some((Err(err), None));
                }
            }
        }
    })
}

/// The error the `end` event carries, if any.
fn end(data: &str) -> Option<ClientError> {
    #[derive(serde::Deserialize)]
    struct End {
        error: Option<RpcError>,
    }
    match serde_json::from_str::<End>(data) {
        Ok(end) => end.error.map(ClientError::Rpc),
        Err(err) => Some(ClientError::decode(format!(
            "an `end` event that is not {{\"error\":…}}: {err}"
        ))),
    }
}

/// Splits bytes into events, as the HTML standard reads an event stream.
struct Parser {
    buffer: BytesMut,
    max_event: usize,
    name: Option<String>,
    data: Option<String>,
}

impl Parser {
    fn new(max_event: usize) -> Self {
        Self {
            buffer: BytesMut::new(),
            max_event,
            name: None,
            data: None,
        }
    }

    fn push(&mut self, bytes: Bytes) {
        self.buffer.extend_from_slice(&bytes);
    }

    /// The next whole event in what came, if there is one.
    fn next_event(&mut self) -> Result<Option<Event>, ClientError> {
        while let Some(at) = self.buffer.iter().position(|&b| b == b'\n' || b == b'\r') {
            let line = self.buffer.split_to(at);
            // A line ends with \n, \r\n or \r.
            let crlf = self.buffer.get(..2) == Some(b"\r\n");
            self.buffer.advance(if crlf { 2 } else { 1 });
            let line = std::str::from_utf8(&line)
                .map_err(|_| ClientError::decode("an event stream that is not UTF-8"))?;
            if line.is_empty() {
                // A blank line dispatches the event, if it has data.
                let name = self.name.take();
                if let Some(data) = self.data.take() {
                    return Ok(Some(Event { name, data }));
                }
                continue;
            }
            let (field, value) = match line.split_once(':') {
                Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
                None => (line, ""),
            };
            match field {
                "event" => self.name = Some(value.to_owned()),
                "data" => {
                    let data = match &mut self.data {
                        Some(data) => {
                            data.push('\n');
                            data
                        }
                        None => self.data.insert(String::new()),
                    };
                    data.push_str(value);
                    if data.len() > self.max_event {
                        return Err(ClientError::decode(format!(
                            "an event of more than {} bytes",
                            self.max_event
                        )));
                    }
                }
                // Comments (""), `id`, `retry` and unknown fields.
                _ => {}
            }
        }
        if self.buffer.len() > self.max_event {
            return Err(ClientError::decode(format!(
                "a line of more than {} bytes in the event stream",
                self.max_event
            )));
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(chunks: &[&str]) -> Vec<Event> {
        let mut parser = Parser::new(1024);
        let mut events = Vec::new();
        for chunk in chunks {
            parser.push(Bytes::copy_from_slice(chunk.as_bytes()));
            while let Some(event) = parser.next_event().unwrap() {
                events.push(event);
            }
        }
        events
    }

    #[test]
    fn events_split_anywhere_with_any_line_ending_are_read_whole() {
        let got = events(&[
            ": subscribed\n\nid: 1\nda",
            "ta: {\"a\":1}\r\n\r",
            "\nid: 2\rdata: 2\r\revent: end\ndata: {\"error\":null}\n\n",
        ]);
        assert_eq!(
            got,
            [
                Event {
                    name: None,
                    data: r#"{"a":1}"#.into()
                },
                Event {
                    name: None,
                    data: "2".into()
                },
                Event {
                    name: Some("end".into()),
                    data: r#"{"error":null}"#.into()
                },
            ]
        );
    }

    #[test]
    fn several_data_lines_are_joined_with_line_feeds() {
        let got = events(&["data: [1,\ndata:2]\n\n"]);
        assert_eq!(got[0].data, "[1,\n2]");
    }

    #[test]
    fn an_event_past_the_bound_is_an_error_not_a_buffer_that_grows() {
        let mut parser = Parser::new(8);
        parser.push(Bytes::from_static(b"data: 0123456789"));
        assert!(parser.next_event().is_err());
    }

    #[test]
    fn the_end_event_carries_the_error_or_nothing() {
        assert!(end(r#"{"error":null}"#).is_none());
        let err = end(r#"{"error":{"code":-32004,"message":"bye"}}"#).unwrap();
        assert_eq!(err.rpc().map(RpcError::code), Some(-32004));
    }
}
