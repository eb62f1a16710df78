# Compiler settings shared by every NetSight target.

find_program(NETSIGHT_CCACHE ccache)
if(NETSIGHT_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${NETSIGHT_CCACHE})
  message(STATUS "NetSight: compiling through ccache (${NETSIGHT_CCACHE})")
endif()

add_library(netsight_warnings INTERFACE)
add_library(netsight::warnings ALIAS netsight_warnings)
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(netsight_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow=local
                                                     -Wnon-virtual-dtor -Wno-unused-parameter)
endif()
