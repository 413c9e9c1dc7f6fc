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
target_include_directories(ffirt_remote_client PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src/remote>
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/ffirt/private>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_link_libraries(ffirt_remote_client PUBLIC PkgConfig::LIBNATS Threads::Threads)
add_library(ffirt::ffirt_remote_client ALIAS ffirt_remote_client)

# Installed with the runtime, so that ffirt_add_library() of an installed
# package builds lib<lib>_remote.so too: the client runtime and the one
# header the generated <lib>_remote.c includes (remote.h, internal: under
# include/ffirt/private/), exported as ffirt::ffirt_remote_client in an
# export set of its own, which ffirtConfig.cmake loads only when it finds
# libnats (find_package(ffirt COMPONENTS remote)); ffirt-remote.pc likewise
# exists only when the remote layer was built.
install(TARGETS ffirt_remote_client EXPORT ffirtRemoteTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${PROJECT_SOURCE_DIR}/src/remote/remote.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ffirt/private)
install(EXPORT ffirtRemoteTargets NAMESPACE ffirt:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ffirt)
export(EXPORT ffirtRemoteTargets NAMESPACE ffirt:: FILE ${CMAKE_BINARY_DIR}/ffirtRemoteTargets.cmake)
file(WRITE ${CMAKE_BINARY_DIR}/ffirt-remote.pc
  "prefix=\${pcfiledir}/../..\n"
  "libdir=\${prefix}/${CMAKE_INSTALL_LIBDIR}\n"
  "includedir=\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}\n\n"
  "Name: ffirt-remote\n"
  "Description: the client runtime of lib<lib>_remote.so (docs/remote.md): link it into a library built from ffirt-gen --lang remote\n"
  "Version: ${PROJECT_VERSION}\n"
  "Requires.private: libnats\n"
  "Libs: -L\${libdir} -lffirt_remote_client\n"
  "Libs.private: -lpthread\n"
  "Cflags: -I\${includedir}/ffirt/private -I\${includedir}\n")
install(FILES ${CMAKE_BINARY_DIR}/ffirt-remote.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
