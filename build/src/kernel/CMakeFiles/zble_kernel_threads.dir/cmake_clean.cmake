file(REMOVE_RECURSE
  "CMakeFiles/zble_kernel_threads.dir/mutex.c.o"
  "CMakeFiles/zble_kernel_threads.dir/mutex.c.o.d"
  "CMakeFiles/zble_kernel_threads.dir/net_buf.c.o"
  "CMakeFiles/zble_kernel_threads.dir/net_buf.c.o.d"
  "CMakeFiles/zble_kernel_threads.dir/queue.c.o"
  "CMakeFiles/zble_kernel_threads.dir/queue.c.o.d"
  "CMakeFiles/zble_kernel_threads.dir/sem.c.o"
  "CMakeFiles/zble_kernel_threads.dir/sem.c.o.d"
  "CMakeFiles/zble_kernel_threads.dir/threads/backend.c.o"
  "CMakeFiles/zble_kernel_threads.dir/threads/backend.c.o.d"
  "CMakeFiles/zble_kernel_threads.dir/timeout.c.o"
  "CMakeFiles/zble_kernel_threads.dir/timeout.c.o.d"
  "CMakeFiles/zble_kernel_threads.dir/timer.c.o"
  "CMakeFiles/zble_kernel_threads.dir/timer.c.o.d"
  "CMakeFiles/zble_kernel_threads.dir/uptime.c.o"
  "CMakeFiles/zble_kernel_threads.dir/uptime.c.o.d"
  "CMakeFiles/zble_kernel_threads.dir/work.c.o"
  "CMakeFiles/zble_kernel_threads.dir/work.c.o.d"
  "libzble_kernel_threads.a"
  "libzble_kernel_threads.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/zble_kernel_threads.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
