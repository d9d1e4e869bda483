#include "agent/sources/mqtt/paho_mqtt_source.h"

#include <MQTTAsync.h>

#include <algorithm>
#include <mqtt/async_client.h>

#include "platform/logging.h"

namespace kedge::agent {
namespace {

bool IsTlsUrl(const std::string& url) {
  return url.rfind("ssl://", 0) == 0 || url.rfind("mqtts://", 0) == 0;
}

std::string PahoError(int rc) {
  const char* text = MQTTAsync_strerror(rc);
  return text != nullptr ? std::string(text) + " (" + std::to_string(rc) + ")"
                         : "error " + std::to_string(rc);
}

// A refused connection: Paho hands over the broker's CONNACK return code (MQTT 3.1.1, 3.2.2.3),
// for which MQTTAsync_strerror has no text.
std::string ConnectError(int rc) {
  static const char* const kConnack[] = {
      nullptr, "the broker refused the protocol version", "the broker refused the client id",
      "the broker is unavailable", "bad user name or password", "not authorized"};
  if (rc >= 1 && rc <= 5) {
    return std::string("connection refused: ") + kConnack[rc] + " (CONNACK " +
           std::to_string(rc) + ")";
  }
  return PahoError(rc);
}

// What to check when a connection attempt fails (Paho 1.2 gives only a code here).
std::string ConnectHint(const MqttSettings& m) {
  std::string hint = " (is the broker up and reachable?";
  if (IsTlsUrl(m.broker)) {
    hint += " does ca_file trust its certificate, and does the certificate name this host?";
    if (!m.cert_file.empty()) hint += " does it accept cert_file/key_file?";
  }
  if (!m.username.empty()) hint += " are username and password right?";
  return hint + ")";
}

}  // namespace

struct PahoMqttSource::Counters {
  Counters(MetricsRegistry& m, const std::string& name)
      : received(m.GetCounter("kedge_mqtt_messages_received_total",
                              "MQTT messages taken from the broker", {{"source", name}})),
        delivered(m.GetCounter("kedge_mqtt_records_total", "MQTT records accepted by the sink",
                               {{"source", name}})),
        dead_letters(m.GetCounter("kedge_mqtt_dead_letters_total",
                                  "MQTT messages set aside (no partition key, or too large)",
                                  {{"source", name}})),
        redelivered(m.GetCounter("kedge_mqtt_redelivered_total",
                                 "MQTT messages the broker sent again after a reconnect (DUP "
                                 "flag); some may be repeats of records already taken",
                                 {{"source", name}})),
        connects(m.GetCounter("kedge_mqtt_connects_total", "successful MQTT connects",
                              {{"source", name}})),
        connect_attempts(m.GetCounter("kedge_mqtt_connect_attempts_total",
                                      "MQTT connection attempts", {{"source", name}})),
        connect_failures(m.GetCounter("kedge_mqtt_connect_failures_total",
                                      "failed MQTT connection attempts", {{"source", name}})),
        connection_lost(m.GetCounter("kedge_mqtt_connection_lost_total",
                                     "MQTT connections lost", {{"source", name}})),
        refused(m.GetCounter("kedge_mqtt_batches_refused_total",
                             "MQTT batches the sink refused (offered again)", {{"source", name}})),
        connected(m.GetGauge("kedge_mqtt_connected", "1 while connected to the broker",
                             {{"source", name}})),
        handover(m.GetHistogram("kedge_mqtt_handover_seconds",
                                "from a message's arrival (after Paho acknowledged it) to the "
                                "sink accepting its record",
                                {{"source", name}},
                                {0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5})) {}
  Counter& received;
  Counter& delivered;
  Counter& dead_letters;
  Counter& redelivered;
  Counter& connects;
  Counter& connect_attempts;
  Counter& connect_failures;
  Counter& connection_lost;
  Counter& refused;
  Gauge& connected;
  Histogram& handover;
};

class PahoMqttSource::ConnectListener final : public mqtt::iaction_listener {
 public:
  explicit ConnectListener(PahoMqttSource& source) : source_(source) {}
  void on_success(const mqtt::token&) override {}  // the connected handler does the work
  void on_failure(const mqtt::token& token) override {
    source_.state_ = kDisconnected;  // first, so whoever sees the count sees the state
    source_.counters_->connect_failures.Increment();
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(30))
        << "mqtt source '" << source_.Name() << "': cannot connect to " << source_.config_.mqtt.broker
        << ": " << ConnectError(token.get_return_code()) << ConnectHint(source_.config_.mqtt)
        << "; retrying with backoff";
  }

 private:
  PahoMqttSource& source_;
};

class PahoMqttSource::SubscribeListener final : public mqtt::iaction_listener {
 public:
  explicit SubscribeListener(PahoMqttSource& source) : source_(source) {}
  void on_success(const mqtt::token& token) override {
    const std::vector<std::string>& topics = source_.config_.mqtt.topics;
    std::vector<mqtt::ReasonCode> codes;
    try {
      codes = token.get_subscribe_response().get_reason_codes();
    } catch (const std::exception&) {
      return;
    }
    bool all = true;
    for (size_t i = 0; i < codes.size() && i < topics.size(); ++i) {
      if (static_cast<int>(codes[i]) >= 0x80) {
        all = false;
        KEDGE_LOG(kError) << "mqtt source '" << source_.Name() << "': the broker refused the "
                          << "subscription to '" << topics[i]
                          << "' (not authorised, or QoS not supported — AWS IoT Core has no QoS 2)";
      }
    }
    source_.subscribed_ = all;
  }
  void on_failure(const mqtt::token& token) override {
    KEDGE_LOG(kError) << "mqtt source '" << source_.Name() << "': subscribing failed: "
                      << PahoError(token.get_return_code());
  }

 private:
  PahoMqttSource& source_;
};

PahoMqttSource::PahoMqttSource(const SourceConfig& config, MqttSourceOptions options,
                               Clock& clock, RecordSink& sink, MetricsRegistry& metrics)
    : config_(config),
      options_(std::move(options)),
      clock_(clock),
      sink_(sink),
      counters_(std::make_unique<Counters>(metrics, config.name)),
      client_id_(config.mqtt.client_id.empty()
                     ? "kedge-" + options_.device_id + "-" + config.name
                     : config.mqtt.client_id),
      builder_(config.mqtt.envelope, config.partition_key_mode, config.partition_key,
               config.max_line_bytes),
      dead_letters_(options_.dead_letter_path),
      queue_(options_.queue_capacity),
      backoff_(options_.min_reconnect_delay),
      connect_listener_(std::make_unique<ConnectListener>(*this)),
      subscribe_listener_(std::make_unique<SubscribeListener>(*this)) {
  pending_.source = config_.name;
}

PahoMqttSource::~PahoMqttSource() {
  Shutdown();
  client_.reset();
}

std::unique_ptr<mqtt::connect_options> PahoMqttSource::BuildConnectOptions() const {
  const MqttSettings& m = config_.mqtt;
  auto opts = std::make_unique<mqtt::connect_options>();
  opts->set_mqtt_version(MQTTVERSION_3_1_1);
  opts->set_clean_session(m.clean_session);
  opts->set_keep_alive_interval(
      std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(m.keepalive).count()));
  opts->set_connect_timeout(std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(options_.connect_timeout).count()));
  opts->set_automatic_reconnect(false);  // Poll reconnects, with our backoff and our counters
  if (!m.username.empty()) opts->set_user_name(m.username);
  if (!m.password.empty()) opts->set_password(m.password);
  if (IsTlsUrl(m.broker)) {
    mqtt::ssl_options ssl;
    if (!m.ca_file.empty()) ssl.set_trust_store(m.ca_file);  // else the system's CAs
    if (!m.cert_file.empty()) ssl.set_key_store(m.cert_file);
    if (!m.key_file.empty()) ssl.set_private_key(m.key_file);
    ssl.set_enable_server_cert_auth(true);
    ssl.set_verify(true);  // the host name must match the certificate
    // No set_error_handler: Paho C++ 1.2 hands OpenSSL a pointer to this ssl_options object,
    // which dangles once it is copied into the connect options (a crash on the first TLS error).
    opts->set_ssl(std::move(ssl));
  }
  return opts;
}

Status PahoMqttSource::Start(const std::vector<Checkpoint>&) {
  const MqttSettings& m = config_.mqtt;
  if (!m.password.empty()) Logger::Get().AddSecret(m.password);
  try {
    client_ = std::make_unique<mqtt::async_client>(m.broker, client_id_, nullptr);
    connect_options_ = BuildConnectOptions();
  } catch (const mqtt::exception& e) {
    return InvalidArgumentError("mqtt source '" + config_.name + "': broker '" + m.broker +
                                "' cannot be used: " + PahoError(e.get_return_code()) +
                                "; use tcp://host:1883 or ssl://host:8883");
  }
  client_->set_message_callback([this](mqtt::const_message_ptr msg) {
    OnMessage(msg->get_topic(), msg->get_payload_str(), msg->get_qos(), msg->is_duplicate());
  });
  client_->set_connected_handler([this](const std::string&) {
    state_ = kConnected;
    ++connects_;
    counters_->connects.Increment();
    counters_->connected.Set(1);
    KEDGE_LOG(kInfo) << "mqtt source '" << Name() << "': connected to " << config_.mqtt.broker
                     << " as " << client_id_;
    Subscribe();
  });
  client_->set_connection_lost_handler([this](const std::string& cause) {
    state_ = kDisconnected;
    subscribed_ = false;
    counters_->connection_lost.Increment();
    counters_->connected.Set(0);
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(30))
        << "mqtt source '" << Name() << "': connection to " << config_.mqtt.broker
        << " lost" << (cause.empty() ? "" : ": " + cause) << "; reconnecting";
  });
  MaintainConnection();
  return Status::Ok();
}

void PahoMqttSource::Subscribe() {
  // Always, even when the broker kept the session: the configured topics may have changed.
  auto filters = std::make_shared<mqtt::string_collection>(config_.mqtt.topics);
  mqtt::iasync_client::qos_collection qos(config_.mqtt.topics.size(), config_.mqtt.qos);
  try {
    client_->subscribe(filters, qos, nullptr, *subscribe_listener_);
  } catch (const mqtt::exception& e) {
    KEDGE_LOG(kError) << "mqtt source '" << Name() << "': cannot subscribe: "
                      << PahoError(e.get_return_code());
  }
}

void PahoMqttSource::MaintainConnection() {
  uint64_t connects = connects_.load();
  if (connects != connects_seen_) {
    connects_seen_ = connects;
    backoff_ = options_.min_reconnect_delay;
  }
  if (shut_down_ || !client_ || state_.load() != kDisconnected) return;
  SteadyTime now = clock_.Now();
  if (now < next_attempt_) return;
  next_attempt_ = now + backoff_;
  backoff_ = std::min(backoff_ * 2, options_.max_reconnect_delay);
  state_ = kConnecting;
  counters_->connect_attempts.Increment();
  try {
    client_->connect(*connect_options_, nullptr, *connect_listener_);
  } catch (const mqtt::exception& e) {
    state_ = kDisconnected;
    counters_->connect_failures.Increment();
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(30))
        << "mqtt source '" << Name() << "': cannot connect to " << config_.mqtt.broker << ": "
        << PahoError(e.get_return_code());
  }
}

bool PahoMqttSource::connected() const { return state_.load() == kConnected; }

void PahoMqttSource::OnMessage(std::string topic, std::string payload, int qos,
                               bool redelivered) {
  MqttMessage m;
  m.topic = std::move(topic);
  m.payload = std::move(payload);
  m.qos = qos;
  m.received_ms = ToUnixMillis(clock_.WallNow());
  m.received = clock_.Now();
  counters_->received.Increment();
  if (redelivered) {
    ++redelivered_;
    counters_->redelivered.Increment();
  }
  if (queue_.Push(std::move(m)) && options_.wakeup) options_.wakeup();
}

void PahoMqttSource::FillPending() {
  scratch_.clear();
  queue_.PopUpTo(options_.max_records_per_poll, &scratch_);
  for (MqttMessage& m : scratch_) {
    StatusOr<SourceRecord> record = builder_.Build(m);
    if (!record.ok()) {
      counters_->dead_letters.Increment();
      KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(60))
          << "mqtt source '" << Name() << "': set aside a message on '" << m.topic
          << "': " << record.status().message();
      dead_letters_.Add({m.received_ms, std::move(m.topic), record.status().message(),
                         std::move(m.payload), 0});
      continue;
    }
    pending_.records.push_back(std::move(*record));
    pending_received_.push_back(m.received);
  }
}

uint64_t PahoMqttSource::DeliverPending() {
  if (pending_.records.empty()) return 0;
  // Accept takes the batch by value and may refuse it; keep ours until it is taken.
  Status s = sink_.Accept(pending_);
  if (!s.ok()) {
    counters_->refused.Increment();
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(30))
        << "mqtt source '" << Name() << "': the sink refused " << pending_.records.size()
        << " records (" << s.ToString() << "); offering them again";
    return 0;
  }
  uint64_t n = pending_.records.size();
  SteadyTime now = clock_.Now();
  for (SteadyTime t : pending_received_) {
    counters_->handover.Observe(std::chrono::duration<double>(now - t).count());
  }
  counters_->delivered.Increment(n);
  pending_.records.clear();
  pending_received_.clear();
  return n;
}

PollResult PahoMqttSource::Poll() {
  PollResult result;
  if (!client_) return result;
  MaintainConnection();
  if (paused_) return result;
  if (pending_.records.empty()) FillPending();
  bool had = !pending_.records.empty();
  result.records = DeliverPending();
  result.more = had && result.records > 0 && queue_.size() > 0;
  return result;
}

void PahoMqttSource::Shutdown() {
  if (shut_down_ || !client_) return;
  shut_down_ = true;
  queue_.Close();  // a callback blocked on a full queue goes on, so disconnect cannot hang
  try {
    if (state_.load() != kDisconnected) {
      client_->disconnect(std::chrono::seconds(2))->wait_for(std::chrono::seconds(5));
    }
  } catch (const mqtt::exception& e) {
    KEDGE_LOG(kWarn) << "mqtt source '" << Name() << "': disconnect: "
                     << PahoError(e.get_return_code());
  }
  state_ = kDisconnected;
  subscribed_ = false;
  counters_->connected.Set(0);
  // Everything Paho already acknowledged is ours to keep: hand it all over now.
  for (int attempts = 0; attempts < 3;) {
    if (pending_.records.empty()) FillPending();
    if (pending_.records.empty()) break;
    if (DeliverPending() == 0) ++attempts;
  }
  size_t lost = pending_.records.size() + queue_.size();
  if (lost > 0) {
    KEDGE_LOG(kError) << "mqtt source '" << Name() << "': the sink refused " << lost
                      << " acknowledged messages at shutdown; they are lost";
  }
}

}  // namespace kedge::agent
