# Empty dependencies file for ktest_coop.
# This may be replaced when dependencies are built.
