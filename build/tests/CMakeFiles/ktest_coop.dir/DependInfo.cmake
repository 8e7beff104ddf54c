
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/tests/support/ktest.c" "tests/CMakeFiles/ktest_coop.dir/support/ktest.c.o" "gcc" "tests/CMakeFiles/ktest_coop.dir/support/ktest.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/src/kernel/CMakeFiles/zble_kernel_coop.dir/DependInfo.cmake"
  "/work/main/build/ports/posix/CMakeFiles/zble_port_posix_coop.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
