# SPDX-License-Identifier: LGPL-2.1-or-later
# The plugin SDK as an installable CMake package (component "sdk"): the ABI header, the C++ helper, and
# lib/cmake/sshuttle/ with sshuttleConfig.cmake, so that a plugin outside this tree builds with
#   find_package(sshuttle 1.0 REQUIRED)
#   sshuttle_add_plugin(<name> SOURCES ...)   # -> sshuttle-<name>.so, linked to sshuttle::plugin_sdk
# The package version is the plugin ABI version (not the program's): a 1.x SDK builds plugins that any
# sshuttle speaking ABI 1.y >= 1.x loads, hence SameMajorVersion.
include(CMakePackageConfigHelpers)

set(SSHUTTLE_SDK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sshuttle)
set(_sdk_abi_header ${PROJECT_SOURCE_DIR}/core/include/sshuttle/plugin_abi.h)
file(STRINGS ${_sdk_abi_header} _sdk_major REGEX "^#define SSHUTTLE_ABI_MAJOR [0-9]+")
file(STRINGS ${_sdk_abi_header} _sdk_minor REGEX "^#define SSHUTTLE_ABI_MINOR [0-9]+")
string(REGEX REPLACE "^#define SSHUTTLE_ABI_MAJOR ([0-9]+).*" "\\1" _sdk_major "${_sdk_major}")
string(REGEX REPLACE "^#define SSHUTTLE_ABI_MINOR ([0-9]+).*" "\\1" _sdk_minor "${_sdk_minor}")
set(SSHUTTLE_SDK_VERSION ${_sdk_major}.${_sdk_minor})
# Re-run CMake when the header changes, so the package version follows an ABI bump.
set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_sdk_abi_header})

# In-tree code may use the same name as an installed SDK's users do.
add_library(sshuttle::plugin_sdk ALIAS sshuttle_plugin_abi)
set_target_properties(sshuttle_plugin_abi PROPERTIES EXPORT_NAME plugin_sdk)

install(TARGETS sshuttle_plugin_abi EXPORT sshuttleSdkTargets COMPONENT sdk)
install(FILES ${PROJECT_SOURCE_DIR}/core/include/sshuttle/plugin_abi.h
              ${PROJECT_SOURCE_DIR}/core/include/sshuttle/plugin_sdk.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sshuttle COMPONENT sdk)
install(EXPORT sshuttleSdkTargets NAMESPACE sshuttle:: FILE sshuttleTargets.cmake
        DESTINATION ${SSHUTTLE_SDK_CMAKE_DIR} COMPONENT sdk)

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/sshuttleConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/sdk/sshuttleConfig.cmake
  INSTALL_DESTINATION ${SSHUTTLE_SDK_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR SSHUTTLE_PLUGIN_INSTALL_DIR)
# ARCH_INDEPENDENT: the SDK is headers only, so a 32-bit plugin build may use a 64-bit install's package.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/sdk/sshuttleConfigVersion.cmake
  VERSION ${SSHUTTLE_SDK_VERSION} COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/sdk/sshuttleConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/sdk/sshuttleConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/plugin.map
        DESTINATION ${SSHUTTLE_SDK_CMAKE_DIR} COMPONENT sdk)
