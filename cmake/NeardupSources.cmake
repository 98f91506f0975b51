# The compiled core's sources, shared by the main build and the fuzz build
# (tests/fuzz/CMakeLists.txt): the SIMD kernels with their run-time dispatcher, the format
# layer and readers (src/io), and the durable crawler store (src/store).
# Sets, in the caller's scope, <out_var> to the source list and
# NEARDUP_HAVE_X86_KERNELS to 1 when the AVX2 / AVX-512 kernels are built (x86 only;
# each kernel file is compiled for its instruction set, chosen at run time by CPUID).
function(neardup_core_sources root out_var)
  # One glob per stage folder that has compiled code, in pipeline order.
  file(GLOB stage_sources CONFIGURE_DEPENDS ${root}/src/text/*.cpp ${root}/src/signature/*.cpp ${root}/src/dedup/*.cpp
       ${root}/src/store/*.cpp ${root}/src/io/*.cpp)
  set(sources ${root}/src/kernels/scalar.cpp ${root}/src/kernels/dispatch.cpp ${stage_sources}
      ${root}/src/kernels/datasketch_scalar.cpp)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|i[3-6]86)$")
    list(APPEND sources ${root}/src/kernels/avx2.cpp ${root}/src/kernels/avx512.cpp
         ${root}/src/kernels/datasketch_avx2.cpp ${root}/src/kernels/datasketch_avx512.cpp
         ${root}/src/kernels/datasketch_sha1_shani.cpp)
    set_source_files_properties(${root}/src/kernels/datasketch_sha1_shani.cpp PROPERTIES
      DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} COMPILE_OPTIONS "-msha;-msse4.1;-mssse3")
    set_source_files_properties(${root}/src/kernels/avx2.cpp ${root}/src/kernels/datasketch_avx2.cpp PROPERTIES
      DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} COMPILE_OPTIONS "-mavx2;-mbmi2;-mpopcnt")
    set_source_files_properties(${root}/src/kernels/avx512.cpp ${root}/src/kernels/datasketch_avx512.cpp PROPERTIES
      DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
      COMPILE_OPTIONS "-mavx512f;-mavx512bw;-mavx512dq;-mavx512vl;-mbmi2;-mpopcnt")
    set(NEARDUP_HAVE_X86_KERNELS 1 PARENT_SCOPE)
  else()
    set(NEARDUP_HAVE_X86_KERNELS 0 PARENT_SCOPE)
  endif()
  set(${out_var} ${sources} PARENT_SCOPE)
endfunction()
