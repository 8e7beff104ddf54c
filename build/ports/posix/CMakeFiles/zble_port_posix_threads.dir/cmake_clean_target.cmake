file(REMOVE_RECURSE
  "libzble_port_posix_threads.a"
)
