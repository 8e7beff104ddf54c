file(REMOVE_RECURSE
  "libktest_threads.a"
)
