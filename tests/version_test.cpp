#include "neardup/version.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <string>

namespace {

TEST(VersionTest, AgreesWithTheCMakeProjectVersion) {
  std::ifstream in(std::string(NEARDUP_SOURCE_DIR) + "/CMakeLists.txt");
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  std::smatch m;
  ASSERT_TRUE(std::regex_search(text, m, std::regex(R"(project\(neardup VERSION (\d+)\.(\d+)\.(\d+))")));
  EXPECT_EQ(std::stoi(m[1]), NEARDUP_VERSION_MAJOR);
  EXPECT_EQ(std::stoi(m[2]), NEARDUP_VERSION_MINOR);
  EXPECT_EQ(std::stoi(m[3]), NEARDUP_VERSION_PATCH);
  EXPECT_EQ(std::string(neardup::Version()), m[1].str() + "." + m[2].str() + "." + m[3].str());
}

}  // namespace
