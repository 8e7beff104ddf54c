# CMake generated Testfile for 
# Source directory: /work/main/tests/kernel
# Build directory: /work/main/build/tests/kernel
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[kernel_test_work_coop]=] "/work/main/build/tests/kernel/kernel_test_work_coop")
set_tests_properties([=[kernel_test_work_coop]=] PROPERTIES  LABELS "kernel;coop" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/cmake/zble.cmake;24;add_test;/work/main/tests/kernel/CMakeLists.txt;16;zble_add_test;/work/main/tests/kernel/CMakeLists.txt;0;")
add_test([=[kernel_test_delayable_coop]=] "/work/main/build/tests/kernel/kernel_test_delayable_coop")
set_tests_properties([=[kernel_test_delayable_coop]=] PROPERTIES  LABELS "kernel;coop" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/cmake/zble.cmake;24;add_test;/work/main/tests/kernel/CMakeLists.txt;16;zble_add_test;/work/main/tests/kernel/CMakeLists.txt;0;")
add_test([=[kernel_test_coop_rules_coop]=] "/work/main/build/tests/kernel/kernel_test_coop_rules_coop")
set_tests_properties([=[kernel_test_coop_rules_coop]=] PROPERTIES  LABELS "kernel;coop" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/cmake/zble.cmake;24;add_test;/work/main/tests/kernel/CMakeLists.txt;16;zble_add_test;/work/main/tests/kernel/CMakeLists.txt;0;")
add_test([=[kernel_test_work_threads]=] "/work/main/build/tests/kernel/kernel_test_work_threads")
set_tests_properties([=[kernel_test_work_threads]=] PROPERTIES  LABELS "kernel;threads" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/cmake/zble.cmake;24;add_test;/work/main/tests/kernel/CMakeLists.txt;16;zble_add_test;/work/main/tests/kernel/CMakeLists.txt;0;")
add_test([=[kernel_test_delayable_threads]=] "/work/main/build/tests/kernel/kernel_test_delayable_threads")
set_tests_properties([=[kernel_test_delayable_threads]=] PROPERTIES  LABELS "kernel;threads" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/cmake/zble.cmake;24;add_test;/work/main/tests/kernel/CMakeLists.txt;16;zble_add_test;/work/main/tests/kernel/CMakeLists.txt;0;")
add_test([=[kernel_test_coop_rules_threads]=] "/work/main/build/tests/kernel/kernel_test_coop_rules_threads")
set_tests_properties([=[kernel_test_coop_rules_threads]=] PROPERTIES  LABELS "kernel;threads" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/cmake/zble.cmake;24;add_test;/work/main/tests/kernel/CMakeLists.txt;16;zble_add_test;/work/main/tests/kernel/CMakeLists.txt;0;")
