file(REMOVE_RECURSE
  "CMakeFiles/ktest_threads.dir/support/ktest.c.o"
  "CMakeFiles/ktest_threads.dir/support/ktest.c.o.d"
  "libktest_threads.a"
  "libktest_threads.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/ktest_threads.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
