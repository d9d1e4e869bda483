#include "agent/sources/mqtt/handoff_queue.h"

#include <gtest/gtest.h>

#include <thread>

namespace kedge::agent {
namespace {

TEST(HandoffQueueTest, PopsInOrderUpToTheLimit) {
  HandoffQueue<int> q(10);
  EXPECT_TRUE(q.Push(1));   // was empty
  EXPECT_FALSE(q.Push(2));  // was not
  q.Push(3);
  std::vector<int> out;
  EXPECT_EQ(q.PopUpTo(2, &out), 2u);
  EXPECT_EQ(out, (std::vector<int>{1, 2}));
  EXPECT_EQ(q.PopUpTo(5, &out), 1u);
  EXPECT_EQ(out.back(), 3);
  EXPECT_EQ(q.PopUpTo(5, &out), 0u);
}

TEST(HandoffQueueTest, PushBlocksWhileFullUntilTheConsumerPops) {
  HandoffQueue<int> q(2);
  q.Push(1);
  q.Push(2);
  std::thread producer([&] { q.Push(3); });
  while (q.waiting() == 0) std::this_thread::yield();  // the producer is blocked
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.blocked_pushes(), 1u);
  std::vector<int> out;
  q.PopUpTo(1, &out);
  producer.join();
  q.PopUpTo(5, &out);
  EXPECT_EQ(out, (std::vector<int>{1, 2, 3}));
}

TEST(HandoffQueueTest, CloseReleasesABlockedProducerAndKeepsItsItem) {
  HandoffQueue<int> q(1);
  q.Push(1);
  std::thread producer([&] { q.Push(2); });
  while (q.waiting() == 0) std::this_thread::yield();
  q.Close();
  producer.join();
  q.Push(3);  // never blocks again
  std::vector<int> out;
  q.PopUpTo(10, &out);
  EXPECT_EQ(out, (std::vector<int>{1, 2, 3}));
}

}  // namespace
}  // namespace kedge::agent
