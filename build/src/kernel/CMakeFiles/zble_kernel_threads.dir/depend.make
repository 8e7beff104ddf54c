# Empty dependencies file for zble_kernel_threads.
# This may be replaced when dependencies are built.
