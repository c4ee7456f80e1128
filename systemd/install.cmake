# SPDX-License-Identifier: Apache-2.0
# install.cmake - run by `cmake --install`: configure the units and the
# sample configuration with the paths of this installation, and install
# them. CMAKE_INSTALL_PREFIX is the prefix of this install (--prefix);
# DESTDIR, if set, is prepended by file(INSTALL) but not written into files.

# A relative directory is under the prefix; GNUInstallDirs' special case:
# the prefix /usr keeps its configuration in /etc.
function(qot_full_dir out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  elseif(CMAKE_INSTALL_PREFIX STREQUAL "/usr" AND dir MATCHES "^etc(/|$)")
    set(${out} "/${dir}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

qot_full_dir(QOT_SBINDIR "${QOT_SBINDIR}")
qot_full_dir(QOT_BINDIR "${QOT_BINDIR}")
qot_full_dir(QOT_SYSCONFDIR "${QOT_SYSCONFDIR}")
set(QOT_CONFDIR "${QOT_SYSCONFDIR}/qot")
if(QOT_SYSTEMD_UNITDIR STREQUAL "")
  if(CMAKE_INSTALL_PREFIX STREQUAL "/usr" AND QOT_PKG_SYSTEMD_UNITDIR)
    set(QOT_SYSTEMD_UNITDIR "${QOT_PKG_SYSTEMD_UNITDIR}")
  else()
    set(QOT_SYSTEMD_UNITDIR "lib/systemd/system")
  endif()
endif()
qot_full_dir(QOT_SYSTEMD_UNITDIR "${QOT_SYSTEMD_UNITDIR}")

# Each install configures afresh: another prefix, other paths. coordd's
# unit and sample only when it is built (QOT_BUILD_COORDD).
file(REMOVE_RECURSE "${QOT_STAGING_DIR}")
set(units qotfs.service syncd.service qotctl-metrics.service)
set(samples qotfs.env syncd.env syncd.conf)
if(QOT_BUILD_COORDD)
  list(APPEND units coordd.service)
  list(APPEND samples coordd.env)
endif()
foreach(unit ${units})
  configure_file("${QOT_SOURCE_DIR}/systemd/${unit}.in" "${QOT_STAGING_DIR}/units/${unit}"
                 @ONLY)
  file(INSTALL DESTINATION "${QOT_SYSTEMD_UNITDIR}" TYPE FILE
       FILES "${QOT_STAGING_DIR}/units/${unit}")
endforeach()
file(INSTALL DESTINATION "${QOT_SYSTEMD_UNITDIR}" TYPE FILE
     FILES "${QOT_SOURCE_DIR}/systemd/qotctl-metrics.timer")

# The configuration is the administrator's once installed: an existing
# file is kept, never overwritten.
foreach(sample ${samples})
  configure_file("${QOT_SOURCE_DIR}/etc/qot/${sample}.in" "${QOT_STAGING_DIR}/etc/${sample}"
                 @ONLY)
  if(EXISTS "$ENV{DESTDIR}${QOT_CONFDIR}/${sample}")
    message(STATUS "Keeping: $ENV{DESTDIR}${QOT_CONFDIR}/${sample}")
  else()
    file(INSTALL DESTINATION "${QOT_CONFDIR}" TYPE FILE
         FILES "${QOT_STAGING_DIR}/etc/${sample}")
  endif()
endforeach()
