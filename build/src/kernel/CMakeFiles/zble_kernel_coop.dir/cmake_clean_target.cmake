file(REMOVE_RECURSE
  "libzble_kernel_coop.a"
)
