//! The life of a server's connection: set up, consume, and leave (on
//! shutdown, a loss, or a move back to the home node) with every call in
//! flight finished or left to the broker to redeliver.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::ConnectionProperties;
use lapin::ExchangeKind;
use lapin::options::{
    BasicCancelOptions, BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions,
    ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use tokio::task::JoinSet;

use super::acks::Acks;
use super::quarantine::Quarantine;
use super::subscription::Link;
use super::{AmqpServer, QueueType, delivery};
use crate::{AmqpError, Brokers};

impl AmqpServer {
    /// The life of a connection, and of those that replace it when the
    /// server moves back to its home node: `Ok` on shutdown, `Err` when a
    /// connection is lost (the next one then starts with another node).
    pub(super) async fn consume(
        &self,
        brokers: &Brokers,
        quarantine: &Arc<Quarantine>,
        mut shutdown: std::pin::Pin<&mut (impl Future<Output = ()> + Send)>,
    ) -> Result<(), Stop> {
        let properties = self.connection_properties();
        let connected = crate::connect::connect_any(brokers, properties, &self.tls)
            .await
            .map_err(Stop::Connect)?;
        let (mut connection, mut node) = (connected.connection, connected.node);
        loop {
            let (home, home_url) = brokers.home();
            let away = (node != home).then_some(home_url);
            match self
                .consume_on(connection, away, quarantine, shutdown.as_mut())
                .await
            {
                Ok(Ended::Shutdown) => return Ok(()),
                Ok(Ended::Home(at_home)) => {
                    tracing::info!(queue = %self.queue, broker = %crate::redact(home_url), "back on this server's home node");
                    brokers.connected(home);
                    (connection, node) = (*at_home, home);
                }
                Err(stop) => {
                    brokers.lost(node);
                    return Err(stop);
                }
            }
        }
    }

    fn connection_properties(&self) -> ConnectionProperties {
        ConnectionProperties::default()
            .with_connection_name(format!("rpc-amqp server {}", self.queue).into())
    }

    /// Declares the queue this server consumes, and, serving an exchange,
    /// the exchange and the binding; the queue's name.
    async fn declare_queue(&self, channel: &lapin::Channel) -> Result<String, Stop> {
        let mut arguments = self.arguments.clone();
        if self.queue_type == QueueType::Quorum {
            arguments.insert(
                "x-queue-type".into(),
                AMQPValue::LongString("quorum".into()),
            );
        }
        // Serving an exchange without a queue of the user's: one of this
        // connection's own, named by the broker.
        let own = self.exchange.is_some() && !self.queue_named;
        let (name, options) = if own {
            let options = QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..Default::default()
            };
            ("", options)
        } else {
            let options = QueueDeclareOptions {
                // A quorum queue is durable by nature.
                durable: self.durable || self.queue_type == QueueType::Quorum,
                ..Default::default()
            };
            (self.queue.as_str(), options)
        };
        let arguments = if own {
            FieldTable::default()
        } else {
            arguments
        };
        let refused = |err: lapin::Error| {
            if err.to_string().contains("PRECONDITION_FAILED") {
                Stop::Connect(AmqpError::Queue {
                    queue: self.queue.clone(),
                    reason: err.to_string(),
                })
            } else {
                Stop::Lost(err)
            }
        };
        let declared = channel
            .queue_declare(name.into(), options, arguments)
            .await
            .map_err(refused)?;
        let queue = declared.name().to_string();
        if let Some(exchange) = &self.exchange {
            let durable = ExchangeDeclareOptions {
                durable: true,
                ..Default::default()
            };
            channel
                .exchange_declare(
                    exchange.as_str().into(),
                    ExchangeKind::Topic,
                    durable,
                    FieldTable::default(),
                )
                .await
                .map_err(refused)?;
            channel
                .queue_bind(
                    queue.as_str().into(),
                    exchange.as_str().into(),
                    "#".into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(Stop::Lost)?;
        }
        Ok(queue)
    }

    /// Consumes on `connection` until shutdown, a loss, or (when `away`
    /// from home, at that URL) until the home node can be reached again: the
    /// calls in flight are then finished and acknowledged, and the new
    /// connection handed back.
    async fn consume_on(
        &self,
        connection: lapin::Connection,
        away: Option<&str>,
        quarantine: &Arc<Quarantine>,
        mut shutdown: std::pin::Pin<&mut (impl Future<Output = ()> + Send)>,
    ) -> Result<Ended, Stop> {
        let channel = connection.create_channel().await.map_err(Stop::Lost)?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(Stop::Lost)?;
        channel
            .basic_qos(self.prefetch, BasicQosOptions::default())
            .await
            .map_err(Stop::Lost)?;
        let queue = self.declare_queue(&channel).await?;
        let mut consumer = channel
            .basic_consume(
                queue.as_str().into(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(Stop::Lost)?;
        // This connection's own queue, where `rpc.unsubscribe` reaches the
        // subscriptions it runs; it goes with the connection.
        let control = channel
            .queue_declare(
                "".into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(Stop::Lost)?;
        let mut control_consumer = channel
            .basic_consume(
                control.name().clone(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(Stop::Lost)?;
        let (stop_subscriptions, stopping) = tokio::sync::watch::channel(false);
        let (acks, acknowledger) = Acks::start(channel.clone());
        let link = Link {
            channel: channel.clone(),
            control_queue: control.name().clone(),
            heartbeat: self.heartbeat,
            stopping,
            subscriptions: Arc::clone(&self.subscriptions),
            acks: Arc::clone(&acks),
            quarantine: Arc::clone(quarantine),
        };
        tracing::info!(queue = %self.queue, prefetch = self.prefetch, "consuming");

        let mut in_flight = JoinSet::new();
        // Away from home, the home node is tried now and then; the attempt
        // runs beside the consumer, which it never holds up.
        let mut home_check = tokio::time::interval(HOME_CHECK);
        home_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut going_home: Option<tokio::task::JoinHandle<Result<lapin::Connection, AmqpError>>> =
            None;
        let ended = loop {
            tokio::select! {
                () = shutdown.as_mut() => break Ok(Ended::Shutdown),
                next = consumer.next() => match next {
                    Some(Ok(delivery)) => {
                        acks.received(delivery.delivery_tag);
                        let handling = delivery::handle(delivery, link.clone(), Arc::clone(&self.codecs));
                        if self.exchange.is_some() {
                            // Published calls (events) run one at a time,
                            // in the order they were published.
                            handling.await;
                        } else {
                            in_flight.spawn(handling);
                        }
                    }
                    Some(Err(err)) => break Err(err.to_string()),
                    None => break Err("the broker closed the consumer".to_owned()),
                },
                next = control_consumer.next() => match next {
                    Some(Ok(delivery)) => {
                        acks.received(delivery.delivery_tag);
                        in_flight.spawn(delivery::handle(delivery, link.clone(), Arc::clone(&self.codecs)));
                    }
                    Some(Err(err)) => break Err(err.to_string()),
                    None => break Err("the broker closed the consumer of the control queue".to_owned()),
                },
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                _ = home_check.tick(), if away.is_some() && going_home.is_none() => {
                    let (url, properties, tls) = (away.unwrap_or_default().to_owned(), self.connection_properties(), Arc::clone(&self.tls));
                    going_home = Some(tokio::spawn(async move {
                        crate::connect::connect(&url, properties, &tls).await
                    }));
                }
                attempt = async { going_home.as_mut().expect("checked").await }, if going_home.is_some() => {
                    going_home = None;
                    if let Ok(Ok(home)) = attempt {
                        break Ok(Ended::Home(Box::new(home)));
                    }
                }
            }
        };
        let next = match ended {
            Err(err) => {
                // The calls in flight cannot be acknowledged any more: the
                // broker redelivers them, here after reconnecting or to
                // another server.
                in_flight.abort_all();
                acknowledger.abort();
                return Err(Stop::Connected(err));
            }
            Ok(next) => next,
        };
        tracing::info!(queue = %self.queue, in_flight = in_flight.len(), "leaving this connection: finishing the calls in flight");
        let _ = channel
            .basic_cancel(consumer.tag(), BasicCancelOptions::default())
            .await;
        // The subscriptions end, each with a last word that says why.
        let _ = stop_subscriptions.send(true);
        while in_flight.join_next().await.is_some() {}
        // What is done is acknowledged before the channel closes: the broker
        // would redeliver it.
        acks.close(acknowledger).await;
        let _ = channel.close(200, "done".into()).await;
        let _ = connection.close(200, "done".into()).await;
        if matches!(next, Ended::Shutdown) {
            tracing::info!(queue = %self.queue, "stopped");
        }
        Ok(next)
    }
}

/// How often a server away from its home node tries it again.
const HOME_CHECK: Duration = Duration::from_secs(5);

/// How a connection's life ended well.
enum Ended {
    /// The server shuts down.
    Shutdown,
    /// The home node is up again: this is a connection to it.
    Home(Box<lapin::Connection>),
}

/// Why a connection's life ended.
pub(super) enum Stop {
    /// Could not connect (the broker, its URL or TLS).
    Connect(AmqpError),
    /// Before consuming: could not set up.
    Lost(lapin::Error),
    /// After consuming, with what went wrong.
    Connected(String),
}
