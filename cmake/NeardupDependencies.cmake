# The core's dependencies (Debian packages; scripts/setup.sh installs them), found the
# same way by the main build and the fuzz build. Sets NEARDUP_ZSTD_TARGET.
find_package(PkgConfig REQUIRED)
find_package(absl REQUIRED)
find_package(simdjson REQUIRED)
find_package(ZLIB REQUIRED)
find_package(zstd REQUIRED)
find_package(OpenSSL REQUIRED)  # libcrypto: SHA-1 for datasketch-compatible MinHash
pkg_check_modules(xxhash REQUIRED IMPORTED_TARGET GLOBAL libxxhash)
pkg_check_modules(utf8proc REQUIRED IMPORTED_TARGET GLOBAL libutf8proc)
find_package(LibXml2 REQUIRED)  # HTML -> text (text/html.hpp)
pkg_check_modules(brotlidec REQUIRED IMPORTED_TARGET GLOBAL libbrotlidec)  # HTTP Content-Encoding: br
if(TARGET zstd::libzstd_shared)
  set(NEARDUP_ZSTD_TARGET zstd::libzstd_shared)
else()
  set(NEARDUP_ZSTD_TARGET zstd::libzstd_static)
endif()
