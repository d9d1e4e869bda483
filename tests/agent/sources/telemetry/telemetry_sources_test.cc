#include "agent/sources/telemetry_sources.h"

#include <gtest/gtest.h>

#include "tests/agent/sources/recording_sink.h"
#include "tests/support/test_util.h"

namespace kedge::agent {
namespace {

class TelemetrySourcesTest : public ::testing::Test {
 protected:
  TelemetrySourceDeps Deps() {
    return {"pi-7", state_dir_, env_, clock_, sink_, metrics_, nullptr};
  }
  std::string state_dir_ = testing::MakeTempDir("kedge-telemetry");
  PosixEnv env_;
  FakeClock clock_;
  testing::RecordingSink sink_;
  MetricsRegistry metrics_;
};

TEST_F(TelemetrySourcesTest, BuildsAMetricsSourceThatSamplesThisMachine) {
  SourceConfig c;
  c.name = "system";
  c.type = SourceType::kMetrics;
  c.metrics.disk_paths = {"/"};
  auto source = MakeTelemetrySource(c, Deps());
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  ASSERT_TRUE((*source)->Start({}).ok());
  clock_.Advance(c.metrics.interval);
  EXPECT_EQ((*source)->Poll().records, 1u);
  EXPECT_NE(sink_.records.at(0).data.find("\"device_id\":\"pi-7\""), std::string::npos);
  MqttShutdown(**source);  // not MQTT: nothing happens
}

TEST_F(TelemetrySourcesTest, MqttSourceIsBuiltOnlyWithPaho) {
  SourceConfig c;
  c.name = "sensors";
  c.type = SourceType::kMqtt;
  c.mqtt.broker = "tcp://127.0.0.1:1";
  c.mqtt.topics = {"x/#"};
  auto source = MakeTelemetrySource(c, Deps());
#ifdef KEDGE_WITH_MQTT
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ((*source)->Name(), "sensors");
  EXPECT_TRUE(env_.FileExists(state_dir_ + "/dead-letters"));
  MqttShutdown(**source);
#else
  EXPECT_EQ(source.status().code(), StatusCode::kUnimplemented);
#endif
}

TEST_F(TelemetrySourcesTest, JournaldSourceNeedsAReadableJournal) {
  SourceConfig c;
  c.name = "journal";
  c.type = SourceType::kJournald;
  c.journald.directory = state_dir_ + "/no-such-journal";
  auto source = MakeTelemetrySource(c, Deps());
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.status().message().find("journal"), std::string::npos);
}

TEST_F(TelemetrySourcesTest, OtherSourceTypesAreRefused) {
  SourceConfig c;
  c.name = "files";
  c.type = SourceType::kFile;
  EXPECT_EQ(MakeTelemetrySource(c, Deps()).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kedge::agent
