#include "agent/sources/metrics/proc_parsers.h"

#include <gtest/gtest.h>

namespace kedge::agent {
namespace {

TEST(ProcParsersTest, ProcStatReadsTheAggregateLineAndCountsCores) {
  StatusOr<ProcStat> s = ParseProcStat(
      "cpu  10 1 20 300 4 5 6 7 0 0\ncpu0 5 0 10 150 2 2 3 3 0 0\ncpu1 5 1 10 150 2 3 3 4 0 0\n");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->cores, 2u);
  EXPECT_EQ(s->total.user, 10u);
  EXPECT_EQ(s->total.steal, 7u);
  EXPECT_EQ(s->total.Total(), 353u);
  EXPECT_EQ(s->total.Idle(), 304u);
  // Old kernels have only four columns.
  ASSERT_TRUE(ParseProcStat("cpu 1 2 3 4\n").ok());
  EXPECT_FALSE(ParseProcStat("intr 1 2\n").ok());
  EXPECT_FALSE(ParseProcStat("cpu 1 x 3 4\n").ok());
}

TEST(ProcParsersTest, MeminfoConvertsKibToBytes) {
  auto m = ParseMeminfo("MemTotal:       2048 kB\nHugePages_Total:       0\nbroken line\n");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->at("MemTotal"), 2048u * 1024);
  EXPECT_EQ(m->at("HugePages_Total"), 0u);
  EXPECT_FALSE(ParseMeminfo("").ok());
}

TEST(ProcParsersTest, NetDevReadsEachInterface) {
  auto n = ParseNetDev(
      "Inter-| Receive | Transmit\n face |bytes packets|bytes\n"
      "  eth0: 1 2 3 4 0 0 0 0 5 6 7 8 0 0 0 0\nwlan0:9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9\n");
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(n->size(), 2u);
  EXPECT_EQ((*n)[0].name, "eth0");
  EXPECT_EQ((*n)[0].rx_dropped, 4u);
  EXPECT_EQ((*n)[0].tx_bytes, 5u);
  EXPECT_EQ((*n)[0].tx_dropped, 8u);
  EXPECT_EQ((*n)[1].name, "wlan0");
  EXPECT_FALSE(ParseNetDev("eth0: 1 2 3\n").ok());
}

TEST(ProcParsersTest, LoadUptimeAndTemperature) {
  EXPECT_DOUBLE_EQ(ParseLoadavg("1.50 0.25 0.00 2/100 7\n")->five, 0.25);
  EXPECT_FALSE(ParseLoadavg("1.5\n").ok());
  EXPECT_DOUBLE_EQ(*ParseUptime("99.5 10.0\n"), 99.5);
  EXPECT_FALSE(ParseUptime("-").ok());
  EXPECT_DOUBLE_EQ(*ParseMilliCelsius("45500\n"), 45.5);
  EXPECT_FALSE(ParseMilliCelsius("hot\n").ok());
}

}  // namespace
}  // namespace kedge::agent
