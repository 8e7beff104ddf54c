file(REMOVE_RECURSE
  "libzble_kernel_threads.a"
)
