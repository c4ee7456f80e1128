# SPDX-License-Identifier: Apache-2.0
# sync.cmake - the syncd benchmarks (see sync.sh, which builds and runs them).
# sync-sim: the simulation of tests/sim as figures; sync-latency: ctl write to
# mapped page on a running qotfs.
add_executable(sync-sim sync-sim.c)
target_link_libraries(sync-sim PRIVATE qot_syncsim bench_util)
add_executable(sync-latency sync-latency.c)
target_link_libraries(sync-latency PRIVATE qot_static bench_util)
