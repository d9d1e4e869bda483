# Shared compile settings and the test helper.

function(kedge_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter
    $<$<BOOL:${KEDGE_WERROR}>:-Werror>)
endfunction()

# kedge_library(NAME SOURCES ... DEPS ...)  — one static library per top-level folder.
function(kedge_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  kedge_warnings(${name})
endfunction()

# kedge_test(NAME SOURCES ... DEPS ... LABELS unit|integration|slow [TIMEOUT s])
# Each test binary registers with CTest once; GoogleTest filters select cases inside it.
function(kedge_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  kedge_warnings(${name})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "KEDGE_SOURCE_DIR=${PROJECT_SOURCE_DIR};KEDGE_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()
