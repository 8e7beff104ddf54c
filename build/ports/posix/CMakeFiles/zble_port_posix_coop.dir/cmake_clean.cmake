file(REMOVE_RECURSE
  "CMakeFiles/zble_port_posix_coop.dir/current.c.o"
  "CMakeFiles/zble_port_posix_coop.dir/current.c.o.d"
  "CMakeFiles/zble_port_posix_coop.dir/loop.c.o"
  "CMakeFiles/zble_port_posix_coop.dir/loop.c.o.d"
  "libzble_port_posix_coop.a"
  "libzble_port_posix_coop.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/zble_port_posix_coop.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
