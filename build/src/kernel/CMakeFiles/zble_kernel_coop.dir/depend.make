# Empty dependencies file for zble_kernel_coop.
# This may be replaced when dependencies are built.
