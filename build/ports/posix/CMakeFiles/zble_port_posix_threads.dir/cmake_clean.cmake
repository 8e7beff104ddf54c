file(REMOVE_RECURSE
  "CMakeFiles/zble_port_posix_threads.dir/current.c.o"
  "CMakeFiles/zble_port_posix_threads.dir/current.c.o.d"
  "CMakeFiles/zble_port_posix_threads.dir/os_posix.c.o"
  "CMakeFiles/zble_port_posix_threads.dir/os_posix.c.o.d"
  "libzble_port_posix_threads.a"
  "libzble_port_posix_threads.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/zble_port_posix_threads.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
