#pragma once
// PahoMqttSource: the `mqtt` source. Subscribes to topic filters on an MQTT 3.1.1 broker
// (tcp:// or ssl://, CA + client certificate + key, user name and password; AWS IoT Core on
// 8883 included) through Paho MQTT C++ and hands each message to a RecordSink as a record
// (docs/mqtt.md).
//
// Threads: Paho's own threads run the network; its message callback only converts the message
// and pushes it into a bounded HandoffQueue — when the queue is full the callback blocks, Paho
// stops reading, and the broker holds the rest (QoS 1/2). Everything else (connecting with
// backoff, building records, dead letters, handing batches to the sink) happens in Poll() on
// the input thread. The `wakeup` option lets the agent poll as soon as a message lands.
//
// Delivery: Paho acknowledges a QoS 1 message (PUBACK; PUBREC/PUBCOMP for QoS 2) before the
// callback runs, and offers no manual acknowledgement. A message is therefore safe at the
// broker until it is read, and in kedge's hands from then on: in the queue, then in the
// batch given to the sink, until the spool commits it. A crash in that window loses what is
// in it (at most queue_capacity + one batch + the spool's uncommitted group); Shutdown() loses
// nothing — it stops the flow, disconnects, and hands everything already read to the sink.
//
// Connection: the agent starts even when the broker is down; Poll retries the connection with
// exponential backoff (min_reconnect_delay doubling to max_reconnect_delay, reset after a
// successful connect), and subscribes again after each connect. clean_session: false (the
// default) keeps the session, so the broker stores QoS 1/2 messages while kedge is away (within
// the broker's own limits, e.g. mosquitto's max_queued_messages).
//
// Not thread-safe apart from what Paho's threads call internally; clock, sink and metrics must
// outlive the source. Counters carry the label source=<name>.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/config/config.h"
#include "agent/metrics/registry.h"
#include "agent/sources/mqtt/dead_letter_box.h"
#include "agent/sources/mqtt/handoff_queue.h"
#include "agent/sources/mqtt/mqtt_record.h"
#include "agent/sources/source.h"
#include "platform/clock.h"

namespace mqtt {
class async_client;
class connect_options;
}  // namespace mqtt

namespace kedge::agent {

struct MqttSourceOptions {
  std::string device_id;         // for the default client id kedge-<device_id>-<name>
  std::string dead_letter_path;  // JSON lines of set-aside messages; empty: memory only
  size_t queue_capacity = 10000;
  size_t max_records_per_poll = 5000;
  Millis min_reconnect_delay{500};
  Millis max_reconnect_delay{std::chrono::seconds(30)};
  Millis connect_timeout{std::chrono::seconds(10)};
  // Called on a Paho thread when a message lands in an empty queue; must be cheap and
  // thread-safe (e.g. post a wake-up to the input loop).
  std::function<void()> wakeup;
};

class PahoMqttSource final : public Source {
 public:
  PahoMqttSource(const SourceConfig& config, MqttSourceOptions options, Clock& clock,
                 RecordSink& sink, MetricsRegistry& metrics);
  ~PahoMqttSource() override;  // Shutdown(), then frees the client

  const std::string& Name() const override { return config_.name; }
  // Creates the client and makes the first connection attempt without waiting for it.
  // InvalidArgument for a broker URL or TLS setup Paho refuses. Saved checkpoints are unused:
  // the broker's session is the MQTT source's position.
  Status Start(const std::vector<Checkpoint>& saved) override;
  // Keeps the connection up (backoff), then moves up to max_records_per_poll messages from the
  // queue into one batch for the sink. A refused batch is kept and offered again next Poll.
  // While paused (the default Pause) it only keeps the connection: the queue fills and the
  // callback blocks, which is the back-pressure (no override needed).
  PollResult Poll() override;

  // Stops the flow and disconnects from the broker, then hands every message already received
  // to the sink. Idempotent. Call before the sink goes away.
  void Shutdown();

  bool connected() const;
  // Connected, and the broker granted every subscription of this connection.
  bool subscribed() const { return subscribed_.load(); }
  const std::string& client_id() const { return client_id_; }
  size_t queued() const { return queue_.size(); }
  const DeadLetterBox& dead_letters() const { return dead_letters_; }
  uint64_t back_pressure_waits() const { return queue_.blocked_pushes(); }
  // Messages the broker sent again (DUP flag): sent before a disconnect and not acknowledged in
  // time from its point of view, so possibly already handed over once (at-least-once).
  uint64_t redelivered() const { return redelivered_.load(); }

 private:
  enum State { kDisconnected = 0, kConnecting = 1, kConnected = 2 };
  class ConnectListener;
  class SubscribeListener;
  struct Counters;

  std::unique_ptr<mqtt::connect_options> BuildConnectOptions() const;
  void MaintainConnection();
  void Subscribe();
  void OnMessage(std::string topic, std::string payload, int qos, bool redelivered);
  void FillPending();
  uint64_t DeliverPending();

  SourceConfig config_;
  MqttSourceOptions options_;
  Clock& clock_;
  RecordSink& sink_;
  std::unique_ptr<Counters> counters_;
  std::string client_id_;
  MqttRecordBuilder builder_;
  DeadLetterBox dead_letters_;
  HandoffQueue<MqttMessage> queue_;
  bool shut_down_ = false;

  std::atomic<int> state_{kDisconnected};
  std::atomic<bool> subscribed_{false};
  std::atomic<uint64_t> redelivered_{0};
  std::atomic<uint64_t> connects_{0};  // successful connects, for resetting the backoff
  uint64_t connects_seen_ = 0;
  SteadyTime next_attempt_{};
  Millis backoff_;

  RecordBatch pending_;                   // built, not yet accepted by the sink
  std::vector<MqttMessage> scratch_;      // reused between polls
  std::vector<SteadyTime> pending_received_;

  std::unique_ptr<ConnectListener> connect_listener_;
  std::unique_ptr<SubscribeListener> subscribe_listener_;
  std::unique_ptr<mqtt::connect_options> connect_options_;
  std::unique_ptr<mqtt::async_client> client_;  // last: destroyed first, stopping callbacks
};

}  // namespace kedge::agent
