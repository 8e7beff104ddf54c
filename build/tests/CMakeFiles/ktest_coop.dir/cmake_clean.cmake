file(REMOVE_RECURSE
  "CMakeFiles/ktest_coop.dir/support/ktest.c.o"
  "CMakeFiles/ktest_coop.dir/support/ktest.c.o.d"
  "libktest_coop.a"
  "libktest_coop.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/ktest_coop.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
