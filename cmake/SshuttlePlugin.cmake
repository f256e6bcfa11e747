# SPDX-License-Identifier: LGPL-2.1-or-later
# sshuttle_add_plugin(NAME <name> [PLATFORMS Linux FreeBSD Darwin OpenBSD ...]
#                     PORTABLE <sources...> [NATIVE <sources...>] [LIBS <targets...>])
#
# PORTABLE sources (pure rule rendering and the like) go into the static library sshuttle_<name>_impl, which
# is built on every platform so that its tests run everywhere. The loadable module sshuttle-<name>.so (the
# impl plus NATIVE sources and plugin.cpp) is only built on the listed platforms.
function(sshuttle_add_plugin)
  cmake_parse_arguments(P "" "NAME" "PLATFORMS;PORTABLE;NATIVE;MODULE;LIBS" ${ARGN})
  set(impl sshuttle_${P_NAME}_impl)
  add_library(${impl} STATIC ${P_PORTABLE})
  target_include_directories(${impl} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${impl} PUBLIC sshuttle::plugin_abi ${P_LIBS} PRIVATE sshuttle::warnings)

  set(enabled ON)
  if(P_PLATFORMS AND NOT CMAKE_SYSTEM_NAME IN_LIST P_PLATFORMS)
    set(enabled OFF)
  endif()
  if(NOT enabled)
    message(STATUS "plugin ${P_NAME}: module not built on ${CMAKE_SYSTEM_NAME} (portable part only)")
    return()
  endif()

  add_library(sshuttle-${P_NAME} MODULE ${P_MODULE} ${P_NATIVE})
  target_link_libraries(sshuttle-${P_NAME} PRIVATE ${impl} sshuttle::warnings)
  set_target_properties(sshuttle-${P_NAME} PROPERTIES
    PREFIX ""
    LIBRARY_OUTPUT_DIRECTORY ${SSHUTTLE_PLUGIN_BUILD_DIR})
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    # Export only the sshuttle_* entry points and refuse unresolved symbols at link time.
    target_link_options(sshuttle-${P_NAME} PRIVATE -Wl,--no-undefined
      -Wl,--version-script=${PROJECT_SOURCE_DIR}/cmake/plugin.map)
  endif()
  install(TARGETS sshuttle-${P_NAME} LIBRARY DESTINATION ${SSHUTTLE_PLUGIN_INSTALL_DIR} COMPONENT runtime)
  set_property(GLOBAL APPEND PROPERTY SSHUTTLE_PLUGINS sshuttle-${P_NAME})
endfunction()
