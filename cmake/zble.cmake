# Helpers shared by the CMake files: every library and test that sits on the
# kernel is built once per backend, from the same sources.

# zble_backend_defs(<target> <backend>): the compile definition of a backend.
function(zble_backend_defs target backend)
  if(backend STREQUAL "threads")
    target_compile_definitions(${target} PUBLIC ZBLE_KERNEL_THREADS=1)
    find_package(Threads REQUIRED)
    target_link_libraries(${target} PUBLIC Threads::Threads)
  else()
    target_compile_definitions(${target} PUBLIC ZBLE_KERNEL_COOP=1)
  endif()
endfunction()

# zble_add_test(NAME <name> BACKEND <b> SOURCES ... LIBS ... LABELS ...
#               [WRAPPER cmd args...])
# Builds <name>_<backend> linked with cmocka and registers it with ctest,
# labelled with the given labels plus the backend name. With WRAPPER, ctest
# runs "cmd args... <path of the test executable>" (e.g. btvirt-run.sh --).
function(zble_add_test)
  cmake_parse_arguments(T "" "NAME;BACKEND;TIMEOUT" "SOURCES;LIBS;LABELS;WRAPPER" ${ARGN})
  set(exe ${T_NAME}_${T_BACKEND})
  add_executable(${exe} ${T_SOURCES})
  target_link_libraries(${exe} PRIVATE ${T_LIBS} cmocka)
  target_include_directories(${exe} PRIVATE ${CMAKE_SOURCE_DIR}/tests/support)
  if(T_WRAPPER)
    add_test(NAME ${exe} COMMAND ${T_WRAPPER} $<TARGET_FILE:${exe}>)
  else()
    add_test(NAME ${exe} COMMAND ${exe})
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  set_tests_properties(${exe} PROPERTIES LABELS "${T_LABELS};${T_BACKEND}" TIMEOUT ${T_TIMEOUT})
endfunction()
