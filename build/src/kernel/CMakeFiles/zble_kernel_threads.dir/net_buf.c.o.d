src/kernel/CMakeFiles/zble_kernel_threads.dir/net_buf.c.o: \
 /work/main/src/kernel/net_buf.c /usr/include/stdc-predef.h
