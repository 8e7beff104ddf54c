
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/kernel/coop/backend.c" "src/kernel/CMakeFiles/zble_kernel_coop.dir/coop/backend.c.o" "gcc" "src/kernel/CMakeFiles/zble_kernel_coop.dir/coop/backend.c.o.d"
  "/work/main/src/kernel/coop/process.c" "src/kernel/CMakeFiles/zble_kernel_coop.dir/coop/process.c.o" "gcc" "src/kernel/CMakeFiles/zble_kernel_coop.dir/coop/process.c.o.d"
  "/work/main/src/kernel/coop/vclock.c" "src/kernel/CMakeFiles/zble_kernel_coop.dir/coop/vclock.c.o" "gcc" "src/kernel/CMakeFiles/zble_kernel_coop.dir/coop/vclock.c.o.d"
  "/work/main/src/kernel/mutex.c" "src/kernel/CMakeFiles/zble_kernel_coop.dir/mutex.c.o" "gcc" "src/kernel/CMakeFiles/zble_kernel_coop.dir/mutex.c.o.d"
  "/work/main/src/kernel/net_buf.c" "src/kernel/CMakeFiles/zble_kernel_coop.dir/net_buf.c.o" "gcc" "src/kernel/CMakeFiles/zble_kernel_coop.dir/net_buf.c.o.d"
  "/work/main/src/kernel/queue.c" "src/kernel/CMakeFiles/zble_kernel_coop.dir/queue.c.o" "gcc" "src/kernel/CMakeFiles/zble_kernel_coop.dir/queue.c.o.d"
  "/work/main/src/kernel/sem.c" "src/kernel/CMakeFiles/zble_kernel_coop.dir/sem.c.o" "gcc" "src/kernel/CMakeFiles/zble_kernel_coop.dir/sem.c.o.d"
  "/work/main/src/kernel/timeout.c" "src/kernel/CMakeFiles/zble_kernel_coop.dir/timeout.c.o" "gcc" "src/kernel/CMakeFiles/zble_kernel_coop.dir/timeout.c.o.d"
  "/work/main/src/kernel/timer.c" "src/kernel/CMakeFiles/zble_kernel_coop.dir/timer.c.o" "gcc" "src/kernel/CMakeFiles/zble_kernel_coop.dir/timer.c.o.d"
  "/work/main/src/kernel/uptime.c" "src/kernel/CMakeFiles/zble_kernel_coop.dir/uptime.c.o" "gcc" "src/kernel/CMakeFiles/zble_kernel_coop.dir/uptime.c.o.d"
  "/work/main/src/kernel/work.c" "src/kernel/CMakeFiles/zble_kernel_coop.dir/work.c.o" "gcc" "src/kernel/CMakeFiles/zble_kernel_coop.dir/work.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/ports/posix/CMakeFiles/zble_port_posix_coop.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
