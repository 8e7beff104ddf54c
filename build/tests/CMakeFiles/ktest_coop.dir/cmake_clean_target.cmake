file(REMOVE_RECURSE
  "libktest_coop.a"
)
