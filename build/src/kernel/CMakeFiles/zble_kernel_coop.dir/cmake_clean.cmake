file(REMOVE_RECURSE
  "CMakeFiles/zble_kernel_coop.dir/coop/backend.c.o"
  "CMakeFiles/zble_kernel_coop.dir/coop/backend.c.o.d"
  "CMakeFiles/zble_kernel_coop.dir/coop/process.c.o"
  "CMakeFiles/zble_kernel_coop.dir/coop/process.c.o.d"
  "CMakeFiles/zble_kernel_coop.dir/coop/vclock.c.o"
  "CMakeFiles/zble_kernel_coop.dir/coop/vclock.c.o.d"
  "CMakeFiles/zble_kernel_coop.dir/mutex.c.o"
  "CMakeFiles/zble_kernel_coop.dir/mutex.c.o.d"
  "CMakeFiles/zble_kernel_coop.dir/net_buf.c.o"
  "CMakeFiles/zble_kernel_coop.dir/net_buf.c.o.d"
  "CMakeFiles/zble_kernel_coop.dir/queue.c.o"
  "CMakeFiles/zble_kernel_coop.dir/queue.c.o.d"
  "CMakeFiles/zble_kernel_coop.dir/sem.c.o"
  "CMakeFiles/zble_kernel_coop.dir/sem.c.o.d"
  "CMakeFiles/zble_kernel_coop.dir/timeout.c.o"
  "CMakeFiles/zble_kernel_coop.dir/timeout.c.o.d"
  "CMakeFiles/zble_kernel_coop.dir/timer.c.o"
  "CMakeFiles/zble_kernel_coop.dir/timer.c.o.d"
  "CMakeFiles/zble_kernel_coop.dir/uptime.c.o"
  "CMakeFiles/zble_kernel_coop.dir/uptime.c.o.d"
  "CMakeFiles/zble_kernel_coop.dir/work.c.o"
  "CMakeFiles/zble_kernel_coop.dir/work.c.o.d"
  "libzble_kernel_coop.a"
  "libzble_kernel_coop.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/zble_kernel_coop.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
