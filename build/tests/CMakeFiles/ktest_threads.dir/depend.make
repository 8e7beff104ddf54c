# Empty dependencies file for ktest_threads.
# This may be replaced when dependencies are built.
