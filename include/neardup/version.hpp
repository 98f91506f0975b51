// The library's version, kept equal to project(neardup VERSION ...) in CMakeLists.txt
// (tests/version_test.cpp checks that they agree).
//
//   std::printf("neardup %s\n", neardup::Version());   // "0.1.0"
#ifndef NEARDUP_VERSION_HPP_
#define NEARDUP_VERSION_HPP_

#define NEARDUP_VERSION_MAJOR 0
#define NEARDUP_VERSION_MINOR 1
#define NEARDUP_VERSION_PATCH 0

#define NEARDUP_INTERNAL_STR2(x) #x
#define NEARDUP_INTERNAL_STR(x) NEARDUP_INTERNAL_STR2(x)

namespace neardup {

// "MAJOR.MINOR.PATCH".
constexpr const char* Version() noexcept {
  return NEARDUP_INTERNAL_STR(NEARDUP_VERSION_MAJOR) "." NEARDUP_INTERNAL_STR(
      NEARDUP_VERSION_MINOR) "." NEARDUP_INTERNAL_STR(NEARDUP_VERSION_PATCH);
}

}  // namespace neardup

#endif  // NEARDUP_VERSION_HPP_
