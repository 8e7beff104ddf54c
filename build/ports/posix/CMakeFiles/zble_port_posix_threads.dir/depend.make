# Empty dependencies file for zble_port_posix_threads.
# This may be replaced when dependencies are built.
