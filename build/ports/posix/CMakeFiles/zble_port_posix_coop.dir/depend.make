# Empty dependencies file for zble_port_posix_coop.
# This may be replaced when dependencies are built.
