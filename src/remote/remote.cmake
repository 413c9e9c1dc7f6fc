# The remote layer (docs/remote.md): ffirt-serve and the client runtime that
# every lib<lib>_remote.so links. Only these use libnats (Debian libnats-dev);
# without it they are skipped and ffirt_add_library() builds no _remote.so.
pkg_check_modules(LIBNATS IMPORTED_TARGET libnats)
if(NOT LIBNATS_FOUND)
  message(STATUS "remote: libnats not found (scripts/deps.sh installs libnats-dev); ffirt-serve and lib<lib>_remote.so not built")
  return()
endif()
set(FFIRT_REMOTE ON CACHE INTERNAL "")

add_library(ffirt_serve_core STATIC ${PROJECT_SOURCE_DIR}/src/remote/serve_core.c)
target_include_directories(ffirt_serve_core PUBLIC ${PROJECT_SOURCE_DIR}/src/remote
  ${PROJECT_SOURCE_DIR}/include)
target_link_libraries(ffirt_serve_core PUBLIC Threads::Threads)

add_executable(ffirt-serve ${PROJECT_SOURCE_DIR}/src/remote/serve_main.c)
target_link_libraries(ffirt-serve PRIVATE ffirt_serve_core PkgConfig::LIBNATS ${CMAKE_DL_LIBS})
install(TARGETS ffirt-serve RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The client runtime of lib<lib>_remote.so (linked in, never exported: the
# version script keeps only <lib>_ symbols).
add_library(ffirt_remote_client STATIC ${PROJECT_SOURCE_DIR}/src/remote/client.c)
target_include_directories(ffirt_remote_client PUBLIC ${PROJECT_SOURCE_DIR}/src/remote
  ${PROJECT_SOURCE_DIR}/include)
target_link_libraries(ffirt_remote_client PUBLIC PkgConfig::LIBNATS Threads::Threads)
