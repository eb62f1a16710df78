# Install rules for the desktop integration files, and a Debian package via CPack (`cpack` in the build dir).
# Included once from the top-level CMakeLists.txt; the .deb holds every install() rule of the project.

include(GNUInstallDirs)

# Debian keeps docs in /usr/share/doc/<package>; GNUInstallDirs' default would use the project name "NetSight".
# An explicit -DCMAKE_INSTALL_DOCDIR=... still wins.
if(CMAKE_INSTALL_DOCDIR STREQUAL "${CMAKE_INSTALL_DATAROOTDIR}/doc/${PROJECT_NAME}")
  set(CMAKE_INSTALL_DOCDIR "${CMAKE_INSTALL_DATAROOTDIR}/doc/netsight")
endif()

set(_ns_pkg "${PROJECT_SOURCE_DIR}/packaging")

# Menu entry, AppStream metadata and icon belong to the GUI; a CLI-only build has nothing to launch.
if(NETSIGHT_BUILD_UI)
  install(FILES "${_ns_pkg}/netsight.desktop" DESTINATION "${CMAKE_INSTALL_DATADIR}/applications")
  install(FILES "${_ns_pkg}/io.github.netsight.NetSight.metainfo.xml" DESTINATION "${CMAKE_INSTALL_DATADIR}/metainfo")
  # Icon=netsight in the .desktop file is looked up by these names in the hicolor theme.
  install(FILES "${_ns_pkg}/netsight.svg" DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps")
  install(FILES "${_ns_pkg}/netsight-256.png" DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/256x256/apps"
          RENAME netsight.png)
endif()
install(FILES "${PROJECT_SOURCE_DIR}/README.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}")

# --- CPack: one .deb holding everything installed above and by the targets' install() rules.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME netsight)
set(CPACK_PACKAGE_VENDOR "NetSight developers")
set(CPACK_PACKAGE_CONTACT "NetSight developers <netsight@example.org>")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "See what image classifiers use of their input")
set(CPACK_PACKAGE_DESCRIPTION
    "A desktop lab and command-line tool that probe which aspects of an image a classifier relies on.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)

set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/netsight/netsight")
# DEB-DEFAULT names the file the Debian way: netsight_<version>-<revision>_<arch>.deb.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# dpkg-shlibdeps derives Depends from the libraries the binaries link (Qt, LibTorch, OpenCV, libc, ...).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# CPackDeb (non-component) appends what dpkg-shlibdeps finds to this string, joined with ", ", so list here only
# what it cannot see. Our binaries do not link BLAS; LibTorch reaches it through Debian's libblas.so.3 alternative
# and only asks for "libblas3 | libblas.so.3", which reference BLAS would satisfy. We want OpenBLAS' threaded build.
# Keep it a comma-separated string, not a CMake list.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-pthread")

include(CPack)
