#include <gtest/gtest.h>
#include "neardup/neardup.hpp"
TEST(Smoke, Works) {
  neardup::Signer s;
  auto a = s.Sign("Hello World, this is a test of the emergency broadcast system!");
  auto b = s.Sign("hello world this is a test of the EMERGENCY broadcast system");
  EXPECT_EQ(*neardup::EstimateJaccard(a.minhash, b.minhash), 1.0);
}
