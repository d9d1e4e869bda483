#!/usr/bin/env python3
"""Static checks of meta-kedge, for lack of bitbake and oelint-adv on the build machines.

Checks: layer.conf declares the collection and a kirkstone-compatible series; each recipe has
SUMMARY, LICENSE, SRC_URI and SRCREV (and LIC_FILES_CHKSUM with md5s that match the tree,
unless LICENSE is CLOSED); no pre-honister override syntax (_append, FILES_${PN}, ...);
PACKAGECONFIG entries have at most 6 fields and name only CMake options the project defines;
SYSTEMD_SERVICE units exist and are installed by packaging/packaging.cmake; CONFFILES are
installed; file:// sources exist beside the recipe; the recipe's LICENSE is the text of the
tree's LICENSE file and the license packaging/deb/copyright names.

    check_layer.py [LAYER_DIR [SOURCE_DIR]]
"""
import hashlib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LAYER = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "meta-kedge")
SOURCE = sys.argv[2] if len(sys.argv) > 2 else os.path.normpath(os.path.join(HERE, "..", ".."))

errors = []


def error(where, message):
    errors.append(f"{where}: {message}")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def assignments(text):
    """Variable assignments of a recipe as (name, value) pairs, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    pairs = []
    for line in joined.splitlines():
        m = re.match(r'^([A-Za-z0-9_:${}\[\].-]+)\s*(\?\?=|\?=|:=|\+=|=\+|\.=|=)\s*"(.*)"\s*$', line)
        if m:
            pairs.append((m.group(1), m.group(3)))
    return pairs


def check_layer_conf():
    path = os.path.join(LAYER, "conf", "layer.conf")
    if not os.path.exists(path):
        error(path, "missing")
        return
    text = read(path)
    for needed in ("BBFILE_COLLECTIONS", "BBFILE_PATTERN_kedge", "LAYERSERIES_COMPAT_kedge"):
        if needed not in text:
            error(path, f"{needed} is not set")
    m = re.search(r'LAYERSERIES_COMPAT_kedge\s*=\s*"([^"]*)"', text)
    if m and "kirkstone" not in m.group(1).split():
        error(path, "LAYERSERIES_COMPAT_kedge does not include kirkstone")


def cmake_options():
    return set(re.findall(r"option\((KEDGE_[A-Z_]+)", read(os.path.join(SOURCE, "CMakeLists.txt"))) +
               re.findall(r"option\((KEDGE_[A-Z_]+)", read(os.path.join(SOURCE, "packaging", "packaging.cmake"))) +
               re.findall(r"set\((KEDGE_[A-Z_]+) .*CACHE", read(os.path.join(SOURCE, "packaging", "packaging.cmake"))))


# SPDX id -> a line its standard text starts with, to tell that LICENSE is that license.
LICENSE_TEXTS = {"Apache-2.0": "Apache License\n                           Version 2.0, January 2004"}


def check_license_consistency(path, spdx):
    """The recipe's LICENSE, the LICENSE file and the Debian copyright file agree."""
    marker = LICENSE_TEXTS.get(spdx)
    license_file = os.path.join(SOURCE, "LICENSE")
    if marker is None:
        error(path, f"LICENSE = {spdx}: check_layer.py does not know this license's text")
    elif not os.path.exists(license_file) or marker not in read(license_file):
        error(path, f"LICENSE = {spdx}, but the tree's LICENSE file is not that license's text")
    copyright_file = os.path.join(SOURCE, "packaging", "deb", "copyright")
    if not os.path.exists(copyright_file):
        error(path, "packaging/deb/copyright is missing")
    elif f"License: {spdx}" not in read(copyright_file):
        error(path, f"packaging/deb/copyright does not say License: {spdx}")


def check_recipe(path):
    text = read(path)
    pairs = assignments(text)
    names = {name for name, _ in pairs}
    values = {}
    for name, value in pairs:
        values[name] = values.get(name, "") + " " + value
    for needed in ("SUMMARY", "LICENSE", "SRC_URI", "SRCREV"):
        if needed not in names:
            error(path, f"{needed} is not set")
    license_value = values.get("LICENSE", "").strip()
    if license_value != "CLOSED":
        chk = values.get("LIC_FILES_CHKSUM", "")
        if not chk:
            error(path, "LIC_FILES_CHKSUM is not set")
        for f, md5 in re.findall(r"file://([^;\s]+);md5=([0-9a-f]+)", chk):
            target = os.path.join(SOURCE, f)
            if not os.path.exists(target):
                error(path, f"LIC_FILES_CHKSUM names {f}, which is not in the tree")
            elif hashlib.md5(open(target, "rb").read()).hexdigest() != md5:
                error(path, f"LIC_FILES_CHKSUM md5 of {f} does not match the tree")
        check_license_consistency(path, license_value)
    for lineno, line in enumerate(text.splitlines(), 1):
        if re.search(r"\b[A-Z_]+_(append|prepend|remove)\b|_\$\{PN\}|_pn-", line):
            error(f"{path}:{lineno}", f"old override syntax (use ':'): {line.strip()}")
    known = cmake_options()
    for flag, value in re.findall(r'^PACKAGECONFIG\[([a-z0-9-]+)\]\s*=\s*"([^"]*)"', text, re.M):
        fields = value.split(",")
        if len(fields) > 6:
            error(path, f"PACKAGECONFIG[{flag}] has {len(fields)} fields (at most 6)")
        for option in re.findall(r"-D(KEDGE_[A-Z_]+)=", ",".join(fields[:2])):
            if option not in known:
                error(path, f"PACKAGECONFIG[{flag}] sets {option}, which the CMake project does not define")
    packaging = read(os.path.join(SOURCE, "packaging", "packaging.cmake"))
    for unit in re.findall(r"[\w-]+\.service", " ".join(v for n, v in pairs if n.startswith("SYSTEMD_SERVICE"))):
        if not os.path.exists(os.path.join(SOURCE, "packaging", "systemd", unit)):
            error(path, f"SYSTEMD_SERVICE names {unit}, which is not in packaging/systemd")
        elif f"systemd/{unit}" not in packaging:
            error(path, f"SYSTEMD_SERVICE names {unit}, which packaging.cmake does not install")
    for conffile in values.get("CONFFILES:${PN}", "").split():
        base = os.path.basename(conffile)
        if f"config/{base}" not in packaging:
            error(path, f"CONFFILES names {conffile}, which packaging.cmake does not install")
    for local in re.findall(r"file://([^;\s\"]+)", values.get("SRC_URI", "")):
        if not os.path.exists(os.path.join(os.path.dirname(path), "files", local)):
            error(path, f"SRC_URI names file://{local}, which is not in files/")


def main():
    check_layer_conf()
    recipes = []
    for dirpath, _, files in os.walk(LAYER):
        recipes += [os.path.join(dirpath, f) for f in files if f.endswith((".bb", ".bbappend"))]
    if not recipes:
        error(LAYER, "no recipes")
    for recipe in sorted(recipes):
        check_recipe(recipe)
    for e in errors:
        print("FAIL:", e)
    if not errors:
        print(f"ok: {len(recipes)} recipe(s) in {LAYER}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
