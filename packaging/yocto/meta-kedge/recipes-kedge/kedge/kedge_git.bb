SUMMARY = "Edge agent for Amazon Kinesis: logs, telemetry and camera video"
DESCRIPTION = "kedge ships logs, journald entries, MQTT messages and metrics to Kinesis Data \
Streams and Firehose through an on-disk spool, and camera video to Kinesis Video Streams. \
kedge-ingest is a local Kinesis and Kinesis Video Streams endpoint."
HOMEPAGE = "https://kedge.invalid/"
# kedge is released under the Apache License 2.0 (LICENSE at the top of the tree, the standard
# text unchanged). packaging/yocto/check_layer.py checks the md5 against the tree.
LICENSE = "Apache-2.0"
LIC_FILES_CHKSUM = "file://LICENSE;md5=3b83ef96387f14655fc854ddc3c6bd57"

# Where the source comes from. Set KEDGE_GIT_URI in local.conf to a clone, e.g.
#   KEDGE_GIT_URI = "git:///home/me/kedge;protocol=file"
# and pin SRCREV to a 40-hex commit for reproducible images.
KEDGE_GIT_URI ??= "git:///srv/git/kedge.git;protocol=file"
SRC_URI = "${KEDGE_GIT_URI};branch=main \
           file://run-ptest"
SRCREV ??= "${AUTOREV}"
PV = "0.1.0+git${SRCPV}"
S = "${WORKDIR}/git"

inherit cmake pkgconfig systemd useradd ptest

DEPENDS = "openssl curl sqlite3 yaml-cpp nlohmann-json"
DEPENDS += "${@bb.utils.contains('PTEST_ENABLED', '1', 'googletest', '', d)}"

PACKAGECONFIG ??= "video mqtt ${@bb.utils.contains('DISTRO_FEATURES', 'systemd', 'journald', '', d)}"
# Camera capture and Kinesis Video Streams upload. kedge loads libgstreamer and libgstapp with
# dlopen when a camera starts (no automatic shlib dependency), so they are listed here.
# h264parse is in -bad, v4l2src and v4l2h264enc in -good; x264enc (-ugly) needs
# LICENSE_FLAGS_ACCEPTED "commercial".
PACKAGECONFIG[video] = "-DKEDGE_WITH_VIDEO=ON,-DKEDGE_WITH_VIDEO=OFF,gstreamer1.0 gstreamer1.0-plugins-base,gstreamer1.0 gstreamer1.0-plugins-base-app gstreamer1.0-plugins-good-video4linux2 gstreamer1.0-plugins-bad-videoparsersbad"
PACKAGECONFIG[mqtt] = "-DKEDGE_WITH_MQTT=ON,-DKEDGE_WITH_MQTT=OFF,paho-mqtt-cpp"
# libsystemd is loaded with dlopen when a journald source starts: no shlib dependency.
PACKAGECONFIG[journald] = "-DKEDGE_WITH_JOURNALD=ON,-DKEDGE_WITH_JOURNALD=OFF,systemd,libsystemd"
# kedge-ingest uses FFmpeg, whose recipe needs LICENSE_FLAGS_ACCEPTED "commercial": opt in.
PACKAGECONFIG[ingest] = "-DKEDGE_WITH_INGEST=ON,-DKEDGE_WITH_INGEST=OFF,boost ffmpeg"
# Raspberry Pi camera modules through libcamera.
PACKAGECONFIG[libcamera] = ",,,libcamera-gst"

EXTRA_OECMAKE += "-DKEDGE_BUILD_TESTS=${@bb.utils.contains('PTEST_ENABLED', '1', 'ON', 'OFF', d)} \
                  -DKEDGE_INSTALL_SYSTEMD_UNITS=${@bb.utils.contains('DISTRO_FEATURES', 'systemd', 'ON', 'OFF', d)} \
                  -DKEDGE_SYSTEMD_UNITDIR=${systemd_system_unitdir} \
                  -DCMAKE_BUILD_TYPE=RelWithDebInfo"

PACKAGES =+ "${PN}-ingest"
FILES:${PN}-ingest = "${bindir}/kedge-ingest ${systemd_system_unitdir}/kedge-ingest.service"
FILES:${PN} += "${datadir}/kedge"
CONFFILES:${PN} += "${sysconfdir}/kedge/kedge.yaml"

SYSTEMD_PACKAGES = "${PN} ${@bb.utils.contains('PACKAGECONFIG', 'ingest', '${PN}-ingest', '', d)}"
SYSTEMD_SERVICE:${PN} = "kedge.service"
SYSTEMD_SERVICE:${PN}-ingest = "kedge-ingest.service"
# Both need configuration first (a sink; credentials): enable them in the image or by hand.
SYSTEMD_AUTO_ENABLE:${PN} = "disable"
SYSTEMD_AUTO_ENABLE:${PN}-ingest = "disable"

USERADD_PACKAGES = "${PN}"
GROUPADD_PARAM:${PN} = "${@bb.utils.contains('PACKAGECONFIG', 'journald', '--system systemd-journal', '', d)}"
USERADD_PARAM:${PN} = "--system --no-create-home --home-dir ${localstatedir}/lib/kedge \
    --shell /sbin/nologin --user-group \
    --groups video${@bb.utils.contains('PACKAGECONFIG', 'journald', ',systemd-journal', '', d)} kedge"
RDEPENDS:${PN}-ingest += "${PN}"

# The unit tests (GoogleTest binaries, label unit); integration tests need peers and stay out.
do_install_ptest() {
    install -d ${D}${PTEST_PATH}/tests
    for t in $(find ${B}/tests -type f -name '*_test' -perm -u+x ! -name '*integration*'); do
        install -m 0755 "$t" ${D}${PTEST_PATH}/tests/
    done
}
